#!/usr/bin/env bash
# make bench: mapserver's warm answers side by side with nginx and with a
# minimal Go net/http handler serving the very same bytes from memory, all
# driven by wrk, in rounds, on the synthetic city of cmd/gencity:
#
#   a small tile   the tile nearest 5 KB of gzip among the z14–z16 tiles
#                  around the city's centre;
#   a large tile   the one nearest 70 KB among z13–z15;
#   a page         /collections/posts/items, a page of features from the
#                  read cache;
#
# each asked for with gzip and without (identity). mapserver runs as
# make run ships it (default flags: the access log on, at info level, to
# its log file); every answer is warm (fetched once before measuring).
# nginx serves the same bytes as files (gzip_static, its access log
# buffered); the Go handler (benchtiles serve) from a map in memory, with
# the same Content-Type, Content-Encoding, Vary, ETag and Cache-Control.
#
# Each round runs every answer on every server back to back, in an order
# that turns from round to round; the report gives medians over the
# rounds, and the in-round ratios of throughput (the machine is shared:
# its load moves between rounds much more than within one) and of the CPU
# time each server used per request (from /proc, so other load does not
# count). It is written to BENCH_DIR/report.md and into docs/BENCHMARKS.md.
#
# Settings (environment): BENCH_DURATION (5s) per run, BENCH_ROUNDS (5),
# BENCH_CONNS (16), BENCH_THREADS (2), BENCH_DIR (var/bench), BENCH_PORT
# (28080, and the next three), BENCH_DOC (docs/BENCHMARKS.md; empty: none).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${BENCH_DURATION:-5s}"
rounds="${BENCH_ROUNDS:-5}"
conns="${BENCH_CONNS:-16}"
threads="${BENCH_THREADS:-2}"
work="${BENCH_DIR:-var/bench}"
doc="${BENCH_DOC-docs/BENCHMARKS.md}"
port="${BENCH_PORT:-28080}"
port_map=$port port_go=$((port + 1)) port_nginx=$((port + 2)) port_metrics=$((port + 3))
for p in $port_map $port_go $port_nginx $port_metrics; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "port $p is taken; set BENCH_PORT to the first of four free ports" >&2
		exit 1
	fi
done
for tool in wrk nginx curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "make bench needs $tool: run make deps-bench (apt-get install -y wrk nginx curl)" >&2
		exit 1
	fi
done

mkdir -p "$work" bin
work="$(cd "$work" && pwd)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
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

# wait_for URL: until it answers (or two minutes pass).
wait_for() {
	for _ in $(seq 1 240); do
		if curl -fsS -o /dev/null "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.5
	done
	echo "$1 did not answer" >&2
	return 1
}

# ticks PID...: the CPU time the processes used so far, in clock ticks.
ticks() {
	local t=0 p
	for p in "$@"; do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}

if [ ! -e "$work/city/.generated" ]; then
	echo "== generating the city (cmd/gencity)"
	bin/gencity -data-dir "$work/city" -replace
	touch "$work/city/.generated"
fi

echo "== starting mapserver on the city, as make run ships it"
bin/mapserver -data-dir "$work/city" -addr "127.0.0.1:$port_map" -metrics-addr "127.0.0.1:$port_metrics" 2>"$work/mapserver.log" &
map_pid=$!
pids+=("$map_pid")
wait_for "http://127.0.0.1:$port_map/readyz"
base="http://127.0.0.1:$port_map"
read -r small small_gz < <(bin/benchtiles pick -url "$base" -zooms 14,15,16 -near 5000)
read -r large large_gz < <(bin/benchtiles pick -url "$base" -zooms 13,14,15 -near 70000)
page=/collections/posts/items
rm -rf "$work/files"
bin/benchtiles fetch -url "$base" -out "$work/files" "$small" "$large" "$page" | tee "$work/sizes.tsv"
chmod -R a+rX "$work/files"

echo "== starting the Go handler and nginx on the same bytes"
bin/benchtiles serve -dir "$work/files" -addr "127.0.0.1:$port_go" 2>"$work/go.log" &
go_pid=$!
pids+=("$go_pid")
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log $work/nginx/access.log combined buffer=64k flush=1s;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	open_file_cache max=64 inactive=60s;
	open_file_cache_valid 60s;
	types {}
	gzip_static on;
	gzip_vary on;
	server {
		listen 127.0.0.1:$port_nginx;
		root $work/files;
		location /tiles/ {
			default_type application/vnd.mapbox-vector-tile;
			add_header Cache-Control "public, max-age=5, stale-while-revalidate=60, stale-if-error=86400";
		}
		location /collections/ {
			default_type application/geo+json;
		}
	}
}
EOF
nginx -c "$work/nginx/nginx.conf" &
nginx_pid=$!
pids+=("$nginx_pid")
wait_for "http://127.0.0.1:$port_go$small"
wait_for "http://127.0.0.1:$port_nginx$small"
nginx_pids=("$nginx_pid" $(pgrep -P "$nginx_pid"))

# Every server must send the same bytes for each answer and encoding.
for path in "$small" "$large" "$page"; do
	for enc in gzip identity; do
		h=()
		[ "$enc" = gzip ] && h=(-H 'Accept-Encoding: gzip')
		want="$(curl -fsS "${h[@]}" "$base$path" | sha256sum)"
		for p in $port_go $port_nginx; do
			if [ "$(curl -fsS "${h[@]}" "http://127.0.0.1:$p$path" | sha256sum)" != "$want" ]; then
				echo "port $p does not send mapserver's $enc bytes of $path" >&2
				exit 1
			fi
		done
	done
done

# wrk_run TARGET PATH ENCODING SERVER PORT ROUND PID...
wrk_run() {
	local target="$1" path="$2" enc="$3" server="$4" p="$5" round="$6"
	shift 6
	local h=() size out json t0 t1
	if [ "$enc" = gzip ]; then
		h=(-H 'Accept-Encoding: gzip')
	fi
	size="$(curl -fsS "${h[@]}" -o /dev/null -w '%{size_download}' "http://127.0.0.1:$p$path")"
	t0="$(ticks "$@")"
	out="$(wrk -t"$threads" -c"$conns" -d"$duration" --timeout 10s "${h[@]}" -s scripts/bench_result.lua "http://127.0.0.1:$p$path")"
	t1="$(ticks "$@")"
	json="$(grep '^RESULT ' <<<"$out" | sed 's/^RESULT {//')"
	echo "{\"target\":\"$target\",\"path\":\"$path\",\"size\":$size,\"encoding\":\"$enc\",\"server\":\"$server\",\"round\":$round,\"cpu_ticks\":$((t1 - t0)),$json" >>"$results"
	printf '  round %s %-10s %-8s %-9s %s\n' "$round" "$target" "$enc" "$server" "$(grep -E 'Requests/sec' <<<"$out" | tr -s ' ')"
}

servers=(nginx go mapserver)
for round in $(seq 1 "$rounds"); do
	echo "== round $round of $rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	for answer in "small tile:$small" "large tile:$large" "page:$page"; do
		target="${answer%%:*}" path="${answer#*:}"
		for enc in gzip identity; do
			for i in 0 1 2; do
				server="${servers[$(((i + round) % 3))]}"
				case "$server" in
				nginx) wrk_run "$target" "$path" "$enc" nginx "$port_nginx" "$round" "${nginx_pids[@]}" ;;
				go) wrk_run "$target" "$path" "$enc" go "$port_go" "$round" "$go_pid" ;;
				mapserver) wrk_run "$target" "$path" "$enc" mapserver "$port_map" "$round" "$map_pid" ;;
				esac
			done
		done
	done
done
rss="$(awk '/^VmRSS/ {print $2}' "/proc/$map_pid/status")"
hwm="$(awk '/^VmHWM/ {print $2}' "/proc/$map_pid/status")"
echo "{\"kind\":\"rss\",\"target\":\"city data, warm caches\",\"rss_kb\":$rss,\"hwm_kb\":$hwm}" >>"$results"

# The bytes of a bbox of city buildings, with gzip and without.
bbox="$(bin/benchtiles bbox "$large")"
buildings="$base/collections/buildings/items?bbox=$bbox&limit=1000"
matched="$(curl -fsS "$buildings" | grep -o '"numberReturned":[0-9]*' | cut -d: -f2)"
bbox_identity="$(curl -fsS -o /dev/null -w '%{size_download}' "$buildings")"
bbox_gzip="$(curl -fsS -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$buildings")"
dropped="$(curl -fsS "http://127.0.0.1:$port_metrics/metrics" | awk '/^partymap_access_log_dropped_total/ {print $2}')"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

report="$work/report.md"
{
	echo "Command: \`make bench\` (scripts/bench.sh: $rounds rounds, wrk -t$threads -c$conns -d$duration per run), $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo
	echo "Machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(nginx -v 2>&1 | cut -d' ' -f3), $(go version | cut -d' ' -f3). wrk and the three servers share the CPUs with whatever else runs."
	echo
	echo "Load average (1, 5, 15 min) before: $load_before; after: $load_after."
	echo
	echo "Answers (city data of cmd/gencity): small tile \`$small\` ($small_gz bytes gzip), large tile \`$large\` ($large_gz bytes gzip), page \`$page\`."
	echo
	bin/benchtiles report "$results"
	echo
	echo "A bbox of city buildings (\`/collections/buildings/items?bbox=$bbox&limit=1000\`, $matched features): $bbox_identity bytes as identity, $bbox_gzip bytes with gzip."
	echo
	echo "Access log lines mapserver dropped: ${dropped:-0}."
} | tee "$report"
if [ -n "$doc" ]; then
	bin/benchtiles splice -doc "$doc" -in "$report"
	echo "(written to $report and $doc)"
else
	echo "(written to $report)"
fi
