# Praksis: `make run` and `make test` are all a newcomer needs (README).
SHELL := /bin/bash
GO ?= go
BIN := bin/praksis
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/praksis?sslmode=disable
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable

.PHONY: run test lint assets build db test-db e2e fmt clean faults fuzz bench bench-me

## run: start PostgreSQL if needed, migrate, seed the demo data, serve on :3000
run: build db
	$(BIN) migrate
	$(BIN) seed --demo
	$(BIN) serve

## test: every test, including the browser journeys (needs chromium)
test: assets test-db
	$(GO) test -count=1 -timeout 20m ./...

## e2e: only the browser journeys
e2e: assets test-db
	$(GO) test -count=1 -timeout 20m ./e2e/...

## faults: only the fault tests (real processes, private PostgreSQL clusters; also part of `make test`)
faults: assets test-db
	$(GO) test -count=1 -timeout 5m ./faults/

## fuzz: every Fuzz* test of every package, each with the fuzzing engine for FUZZTIME (seeds run in `make test`)
FUZZTIME ?= 10s
fuzz: test-db
	@set -e; for f in $$(grep -l '^func Fuzz' $$(find . -name '*_test.go' -not -path './node_modules/*')); do \
	  pkg=./$$(dirname $${f#./}); \
	  for name in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
	    echo "fuzz: $$pkg $$name for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## lint: gofmt, go vet and staticcheck must be clean
lint: assets
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## assets: copy pinned front-end packages into static/vendor
assets:
	scripts/assets

build: assets
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/praksis

## bench: load benchmark against a floor on a scale database (not part of test; docs/benchmarks.md)
bench: build db
	bench/run

## bench-me: only the participant's own pages (/me and its subpages: under load, alone, first load; no jobs)
bench-me: build db
	BENCH_ONLY=me: BENCH_JOBS=0 bench/run

db:
	scripts/dev-postgres "$(DATABASE_URL)"

test-db:
	scripts/dev-postgres "$(TEST_DATABASE_URL)"

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin static/vendor/*.js static/vendor/*.css
