# partymap: make run · make test · make build
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
export GOTOOLCHAIN ?= auto

BIN := bin/mapserver

.PHONY: run test build deps deps-test web clean

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

web:
	@true

clean:
	rm -rf bin
