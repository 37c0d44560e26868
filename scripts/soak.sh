#!/usr/bin/env bash
# Soak (make soak): the load of make load — the real mapserver on a fresh
# embedded database, public readers, editors PATCHing with If-Match — held
# for SOAK_DURATION (default 30m) with SOAK_STREAMS clients on the event
# stream, measuring the server every SOAK_SAMPLE_EVERY (1m): Go heap, RSS,
# goroutines, open files, pool connections, requests in flight and the
# interval's p99. It fails on any 5xx, lost edit or unanswered request (as
# make load does) and when those figures do not level off: the last third
# of the run against the middle third (cmd/loadgen, plateau).
#
# Settings (environment): SOAK_DURATION (30m), SOAK_READERS (2),
# SOAK_EDITORS (4), SOAK_STREAMS (32), SOAK_SAMPLE_EVERY (1m), SOAK_RECORD
# (0; 1 appends the report to docs/BENCHMARKS.md). The report is in
# var/soak-report.md. Fewer readers than make load: a soak looks for what
# grows over time, not for the most requests a second, and the machine is
# usually shared.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${SOAK_DURATION:-30m}"
readers="${SOAK_READERS:-2}"
editors="${SOAK_EDITORS:-4}"
streams="${SOAK_STREAMS:-32}"
every="${SOAK_SAMPLE_EVERY:-1m}"
LOAD_NAME=soak LOAD_DURATION="$duration" LOAD_READERS="$readers" LOAD_EDITORS="$editors" \
	LOAD_STREAMS="$streams" LOAD_SAMPLE_EVERY="$every" LOAD_RECORD="${SOAK_RECORD:-0}" \
	LOAD_COMMAND="SOAK_DURATION=$duration SOAK_READERS=$readers SOAK_EDITORS=$editors SOAK_STREAMS=$streams SOAK_SAMPLE_EVERY=$every make soak" \
	exec scripts/load.sh
