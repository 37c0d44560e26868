#!/usr/bin/env bash
# Installs what partymap needs on Debian/Ubuntu, only what is missing.
#   scripts/deps.sh run    the server: PostgreSQL + PostGIS + pgRouting, Go, Node.js/npm
#   scripts/deps.sh test   also headless Chromium, CJK fonts, GDAL, PROJ, QGIS (a real
#                          OGC API client, run headless) and nginx for the tests
#   scripts/deps.sh bench  also wrk and nginx for make bench
# As root it installs with apt-get; otherwise it prints the exact command.
set -euo pipefail
what="${1:-run}"

missing=()
updated=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
need_pkg() { have_pkg "$1" || missing+=("$1"); }

pg_major() {
	local d v best=""
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/postgres" ] || continue
		v="$(basename "$(dirname "$d")")"
		if [ -z "$best" ] || [ "$v" -gt "$best" ]; then best="$v"; fi
	done
	echo "$best"
}

install() {
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "partymap needs these packages: ${missing[*]}" >&2
		echo "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}" >&2
	if [ -z "$updated" ]; then
		apt-get update -q
		updated=yes
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	missing=()
}

# PostgreSQL server first: the PostGIS package must match its major version.
if [ -z "$(pg_major)" ]; then
	missing+=(postgresql)
	install
fi
major="$(pg_major)"
need_pkg "postgresql-${major}-postgis-3"
need_pkg "postgresql-${major}-pgrouting" # the walking network's routes
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || need_pkg golang-go
command -v npm >/dev/null 2>&1 || need_pkg npm
if [ "$what" = "test" ]; then
	need_pkg chromium
	need_pkg fonts-noto-cjk
	need_pkg gdal-bin
	need_pkg proj-bin
	# QGIS's Python bindings and its data providers (OAPIF, vector
	# tiles): the end-to-end tests drive it as the GIS office does.
	need_pkg python3-qgis
	need_pkg qgis-providers
	need_pkg nginx # internal/scaleout runs docs/deploy/nginx.conf
fi
if [ "$what" = "bench" ]; then
	need_pkg wrk
	need_pkg nginx
fi
install
