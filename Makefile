# crispify's build and checks. `make test` is what CI runs.
GO ?= go
TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: test lint unit cross build install schema images bench demo clean

## test: everything CI checks: format, vet, staticcheck, tests, cross builds
test: lint unit cross

## lint: gofmt must change nothing; go vet and staticcheck must say nothing
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then \
		echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@# Modules of their own, outside ./...: the demo's indexer and FerretDB.
	$(GO) -C examples/indexer vet ./...
	$(GO) -C fixtures/ferretdb vet -tags ferretdb_no_postgresql ./...

## unit: every test, the end-to-end ones included (they need Docker and git)
unit:
	$(GO) test -race -timeout 14m ./...

## cross: compile both binaries for every release target
cross:
	@for t in $(TARGETS); do \
		echo "go build $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} CGO_ENABLED=0 $(GO) build ./cmd/... || exit 1; \
	done

## build: both binaries into ./bin
build:
	$(GO) build -o bin/ ./cmd/...

## install: both binaries into $GOBIN (or $GOPATH/bin)
install:
	$(GO) install ./cmd/...

## schema: regenerate manifests/schema.json from the manifest types
schema:
	$(GO) test ./internal/manifest -run TestSchema -update

## images: build the local images the tests and the demo use (no registry)
images:
	scripts/local-images.sh

## bench: run the benchmarks of BENCHMARKS.md
bench:
	scripts/bench.sh

clean:
	rm -rf bin dist
