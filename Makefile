# Prenota — see README.md.
# PostgreSQL for the tests: the local server unless PRENOTA_TEST_POSTGRES says otherwise.
PRENOTA_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export PRENOTA_TEST_POSTGRES

GO ?= go
# Fuzzing budgets are counts of executions (about 10 s each on a 2-core machine), not
# durations: Go 1.26's fuzzing coordinator can fail a duration run at its deadline with
# "context deadline exceeded" and no failing input (golang/go#75804, fixed in Go 1.27).
FUZZ_CF ?= 150000x
FUZZ_API ?= 20000x
FUZZ_TEXT ?= 300x

.PHONY: run build assets test vet fuzz bench clean

## run: build and serve http://localhost:8080 on ./data/prenota.db with the demo Comune
run: build
	./bin/prenota serve --demo

# VERSION is what prenota version prints: the git tag (see CHANGELOG.md) or commit.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

## build: the single binary bin/prenota (front-end assets embedded)
build: assets
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/prenota ./cmd/prenota

## assets: front-end files from npm into web/static/vendor (embedded)
assets:
	web/assets.sh

## test: vet, all tests with the race detector on SQLite and PostgreSQL, short fuzzing
test: assets vet
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) fuzz

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

## fuzz: each fuzz target for its budget (FUZZ_CF, FUZZ_API, FUZZ_TEXT)
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZ_CF) ./codicefiscale
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZ_API) ./api
	$(GO) test -run='^$$' -fuzz='^FuzzTexts$$' -fuzztime=$(FUZZ_TEXT) ./backoffice

## bench: load figures for the week grid and holds on SQLite and PostgreSQL, then a click day
## (CLICK_CITIZENS citizens against a real prenota serve with the waiting room; see prenota-bench click -h)
CLICK_CITIZENS ?= 20000
bench: assets
	$(GO) run ./cmd/prenota-bench
	$(GO) run ./cmd/prenota-bench click -citizens $(CLICK_CITIZENS)

clean:
	rm -rf bin data web/static/vendor screenshots
