#!/usr/bin/env bash
# Tile load test (make bench): the real mapserver driven by wrk over the
# tiles covering the data at z12, z14 and z16, side by side with a plain
# static file server serving the very same tile bytes, in one run.
#
# For each data set (the Xiyue community, and the synthetic city of
# cmd/gencity unless BENCH_CITY=0) it starts:
#   warm    mapserver on its embedded database, 64 MiB tile cache, every
#           listed tile fetched once before measuring (each request a hit);
#   cold    a second mapserver on the same database (DATABASE_URL to the
#           first one's socket) with -tile-cache-bytes 0: it keeps nothing,
#           so every request renders in PostGIS. No admin endpoint needed;
#           concurrent requests for one tile still share one render;
#   static  benchtiles static: Go's http.FileServer over the gzip bytes the
#           warm server sent, the ceiling.
# Then, round after round, for each zoom: static, warm and cold with
# BENCH_CONNS connections, and cold with 1 connection (the latency one
# viewer sees). Servers log at warn level (no access log line per request).
#
# Settings (environment): BENCH_DURATION (5s) per run, BENCH_ROUNDS (3),
# BENCH_CONNS (16), BENCH_THREADS (2), BENCH_CITY (1), BENCH_DIR (var/bench),
# BENCH_MAX_TILES (256 per zoom), BENCH_PORT (28080, and the next two).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${BENCH_DURATION:-5s}"
rounds="${BENCH_ROUNDS:-3}"
conns="${BENCH_CONNS:-16}"
threads="${BENCH_THREADS:-2}"
with_city="${BENCH_CITY:-1}"
work="${BENCH_DIR:-var/bench}"
max_tiles="${BENCH_MAX_TILES:-256}"
zooms=(12 14 16)
port="${BENCH_PORT:-28080}"
port_warm=$port port_cold=$((port + 1)) port_static=$((port + 2))
for p in $port_warm $port_cold $port_static; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "port $p is taken; set BENCH_PORT to the first of three free ports" >&2
		exit 1
	fi
done

if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk
	else
		echo "make bench needs wrk: sudo apt-get install -y wrk" >&2
		exit 1
	fi
fi

mkdir -p "$work" bin
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
work="$(cd "$work" && pwd)"
go build -o bin/mapserver ./cmd/mapserver
go build -o bin/gencity ./cmd/gencity
go build -o bin/benchtiles ./cmd/benchtiles
results="$work/results.jsonl"
: >"$results"

pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	pids=()
}
trap cleanup EXIT

# wait_ready PORT: until the server answers /readyz (or two minutes pass).
wait_ready() {
	for _ in $(seq 1 240); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$1/readyz" 2>/dev/null; then
			return 0
		fi
		sleep 0.5
	done
	echo "the server on port $1 did not become ready" >&2
	return 1
}

# wrk_run DATASET MODE ZOOM CONNS THREADS ROUND PORT TILES LIST
wrk_run() {
	local out
	out="$(wrk -t"$5" -c"$4" -d"$duration" --timeout 10s -s scripts/bench_tiles.lua "http://127.0.0.1:$7" -- "$9")"
	local json
	json="$(grep '^RESULT ' <<<"$out" | sed 's/^RESULT {//')"
	echo "{\"dataset\":\"$1\",\"mode\":\"$2\",\"zoom\":$3,\"conns\":$4,\"round\":$6,\"tiles\":$8,$json" >>"$results"
	printf '  %-9s %-6s z%-2s c%-3s round %s: %s\n' "$1" "$2" "$3" "$4" "$6" "$(grep -E 'Requests/sec|99%' <<<"$out" | tr -s ' ' | tr '\n' ' ')"
}

# bench DATASET DATA_DIR
bench() {
	local ds="$1" dir="$2"
	echo "== $ds: starting the servers"
	bin/mapserver -data-dir "$dir" -addr "127.0.0.1:$port_warm" -metrics-addr "" -tile-cache-bytes $((64 << 20)) -log-level warn >"$work/$ds-warm.log" 2>&1 &
	local warm=$!
	pids+=("$warm")
	wait_ready "$port_warm"
	DATABASE_URL="host=$dir/run port=5432 user=partymap dbname=partymap sslmode=disable passfile=$dir/pgpass" \
		bin/mapserver -addr "127.0.0.1:$port_cold" -metrics-addr "" -tile-cache-bytes 0 -log-level warn >"$work/$ds-cold.log" 2>&1 &
	pids+=("$!")
	wait_ready "$port_cold"
	rm -rf "$work/$ds-tiles"
	bin/benchtiles list -url "http://127.0.0.1:$port_warm" -out "$work/$ds-tiles" -max "$max_tiles" -zooms "$(
		IFS=,
		echo "${zooms[*]}"
	)"
	bin/benchtiles static -dir "$work/$ds-tiles/static" -addr "127.0.0.1:$port_static" 2>"$work/$ds-static.log" &
	pids+=("$!")
	sleep 0.5
	for round in $(seq 1 "$rounds"); do
		for z in "${zooms[@]}"; do
			local list="$work/$ds-tiles/urls-z$z.txt" n
			n="$(wc -l <"$list")"
			wrk_run "$ds" static "$z" "$conns" "$threads" "$round" "$port_static" "$n" "$list"
			wrk_run "$ds" warm "$z" "$conns" "$threads" "$round" "$port_warm" "$n" "$list"
			wrk_run "$ds" cold "$z" "$conns" "$threads" "$round" "$port_cold" "$n" "$list"
			wrk_run "$ds" cold "$z" 1 1 "$round" "$port_cold" "$n" "$list"
		done
	done
	local rss hwm
	rss="$(awk '/^VmRSS/ {print $2}' "/proc/$warm/status")"
	hwm="$(awk '/^VmHWM/ {print $2}' "/proc/$warm/status")"
	echo "{\"dataset\":\"$ds\",\"mode\":\"rss\",\"rss_kb\":$rss,\"hwm_kb\":$hwm}" >>"$results"
	cleanup
}

bench community "$work/community"
if [ "$with_city" != 0 ]; then
	if [ ! -e "$work/city/.generated" ]; then
		bin/gencity -data-dir "$work/city" -replace
		touch "$work/city/.generated"
	fi
	bench city "$work/city"
fi

report="$work/report.md"
{
	echo "Machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
	echo "Tools: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(go version | cut -d' ' -f3), PostgreSQL $(ls /usr/lib/postgresql | sort -n | tail -1)"
	echo "Runs: $rounds rounds of $duration each; wrk -t$threads -c$conns (cold also -t1 -c1); medians over the rounds"
	echo "Load average (1, 5, 15 min) before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	bin/benchtiles report "$results"
} | tee "$report"
echo "(written to $report)"
