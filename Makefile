# partymap: make run · make test · make build
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
export GOTOOLCHAIN ?= auto

BIN := bin/mapserver

.PHONY: run test build deps deps-test deps-bench web clean fuzz bench load soak

run: deps build  ## install what is missing, build, serve on http://localhost:8080
	./$(BIN)

test: deps-test web  ## the whole test suite
	go vet ./...
	go test -race -count=1 -timeout 30m ./...

build: web
	go build -o $(BIN) ./cmd/mapserver

deps:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

deps-bench:
	@scripts/deps.sh bench

# web: npm ci into web/node_modules when it is missing or older than the
# lockfile, then check the committed browser libraries (web/static/vendor.txt)
# against it: web/vendor.sh replaces and names a copy that differs.
web: web/node_modules/.installed
	@web/vendor.sh

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

bench: deps-bench build  ## warm tiles and a cached page: mapserver vs nginx and a minimal Go handler, with wrk; writes docs/BENCHMARKS.md
	scripts/bench.sh

fuzz:  ## run every fuzz target for FUZZTIME (default 30s) each
	scripts/fuzz.sh

load: deps build  ## mixed reads + concurrent editors for LOAD_DURATION (default 60s): no 5xx, no lost edit, latency, memory
	scripts/load.sh

soak: deps build  ## make load with event-stream clients for SOAK_DURATION (default 30m), measured every minute: heap, goroutines, files, pool and p99 must level off
	scripts/soak.sh

clean:
	rm -rf bin
