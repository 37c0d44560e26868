#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME each (default 30s).
# Their seed corpora (f.Add and testdata/fuzz) also run in a plain `go test`.
set -euo pipefail
fuzztime="${FUZZTIME:-30s}"
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $target ($fuzztime)"
		go test -run XXX -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
	done
done
