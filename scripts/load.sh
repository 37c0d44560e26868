#!/usr/bin/env bash
# Load with edits (make load): the real mapserver, on its embedded
# PostgreSQL in a fresh temporary data directory and a free port, driven by
# cmd/loadgen for a bounded time with mixed public reads (tiles z12–z16,
# item pages, items, nearest, locate, search) from LOAD_READERS readers
# while LOAD_EDITORS editors PATCH car parks' free spaces and posts' hours
# with If-Match through an API token made for the run.
#
# loadgen checks and reports: no 5xx, no lost edit (acknowledged PATCHes ==
# history rows with reason 'edit'), p50/p90/p99 per kind of request,
# throughput, the server's RSS and Go heap. The server is then stopped with
# SIGTERM and must exit cleanly. Exit status: non-zero on any failure.
#
# Settings (environment): LOAD_DURATION (60s), LOAD_READERS (16),
# LOAD_EDITORS (4), LOAD_EDIT_PAUSE (100ms), LOAD_RECORD (0; 1 appends the
# report to docs/BENCHMARKS.md), LOAD_KEEP (0; 1 keeps the data directory
# and the server log), LOAD_STREAMS (0: clients holding /api/events open),
# LOAD_SAMPLE_EVERY (0; e.g. 1m: measure heap, goroutines, open files, pool
# and p99 at that interval and fail unless they level off, as make soak
# does), LOAD_NAME (load: the report goes to var/$LOAD_NAME-report.md).
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${LOAD_DURATION:-60s}"
readers="${LOAD_READERS:-16}"
editors="${LOAD_EDITORS:-4}"
pause="${LOAD_EDIT_PAUSE:-100ms}"
record="${LOAD_RECORD:-0}"
keep="${LOAD_KEEP:-0}"
streams="${LOAD_STREAMS:-0}"
sample_every="${LOAD_SAMPLE_EVERY:-0}"
name="${LOAD_NAME:-load}"

work="$(mktemp -d -t partymap-load.XXXXXX)"
chmod 755 "$work" # as root, PostgreSQL's own user must reach the data directory
server_pid=""
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	if [ "$keep" = 1 ]; then
		echo "load: kept $work (server log: $work/server.log)" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

mkdir -p bin var
go build -o bin/mapserver ./cmd/mapserver
go build -o bin/loadgen ./cmd/loadgen
data="$work/var"

# The editors' account and token, made while the server is not running
# (the commands start the embedded database themselves).
head -c 24 /dev/urandom | base64 | bin/mapserver user add -data-dir "$data" -log-level warn -password-stdin loadeditor >/dev/null
token="$(bin/mapserver token add -data-dir "$data" -log-level warn -user loadeditor load-test 2>/dev/null)"

# Every stream client comes from 127.0.0.1: let it hold them all.
bin/mapserver -addr 127.0.0.1:0 -metrics-addr 127.0.0.1:0 -data-dir "$data" -max-streams-per-client "$((streams + 4))" 2>"$work/server.log" &
server_pid=$!
addr=""
for _ in $(seq 1 600); do
	addr="$(sed -n 's/.*msg=listening addr=\([^ ]*\).*/\1/p' "$work/server.log" | head -n1)"
	metrics="$(sed -n 's/.*msg="metrics listening" addr=\([^ ]*\).*/\1/p' "$work/server.log" | head -n1)"
	[ -n "$addr" ] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "load: the server did not start:" >&2
		tail -n 20 "$work/server.log" >&2
		exit 1
	fi
	sleep 0.2
done
if [ -z "$addr" ]; then
	echo "load: the server did not say where it listens within 120 s" >&2
	exit 1
fi

command="${LOAD_COMMAND:-LOAD_DURATION=$duration LOAD_READERS=$readers LOAD_EDITORS=$editors LOAD_EDIT_PAUSE=$pause make load}"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
status=0
LOADGEN_TOKEN="$token" bin/loadgen \
	-url "http://$addr" -metrics-url "http://$metrics" \
	-database-url "host=$data/run port=5432 user=partymap dbname=partymap sslmode=disable passfile=$data/pgpass" \
	-pid "$server_pid" -duration "$duration" -readers "$readers" -editors "$editors" -edit-pause "$pause" \
	-streams "$streams" -sample-every "$sample_every" \
	-command "$command" \
	-server "mapserver built from the working tree at $revision, default flags (info-level access log to a file), embedded PostgreSQL in a fresh data directory (fsync and synchronous commit on), the built-in Xiyue data" \
	-out "$work/report.md" || status=$?

# SIGTERM: the server must stop cleanly, its PostgreSQL too.
kill -TERM "$server_pid"
if ! wait "$server_pid"; then
	echo "load: the server did not exit cleanly after SIGTERM:" >&2
	tail -n 20 "$work/server.log" >&2
	status=1
fi
server_pid=""
if [ -e "$data/pgdata/postmaster.pid" ]; then
	echo "load: postmaster.pid is left behind: PostgreSQL did not stop cleanly" >&2
	status=1
fi
if grep -q 'level=ERROR' "$work/server.log"; then
	echo "load: the server logged errors:" >&2
	grep 'level=ERROR' "$work/server.log" | head -n 10 >&2
	status=1
fi

if [ -s "$work/report.md" ]; then
	cp "$work/report.md" "var/$name-report.md"
	if [ "$record" = 1 ]; then
		printf '\n' >>docs/BENCHMARKS.md
		cat "$work/report.md" >>docs/BENCHMARKS.md
		echo "load: appended the report to docs/BENCHMARKS.md" >&2
	fi
	echo "load: report in var/$name-report.md" >&2
fi
exit "$status"
