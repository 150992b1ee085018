# crispify's build and checks. `make test` is what CI runs.
GO ?= go
TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
# The version `crispify version` shows: the git tag (v1.2.3), with the
# commits since and a -dirty mark between tags; release builds set their own.
VERSION ?= $(shell git describe --tags --dirty 2>/dev/null || git describe --always --dirty --abbrev=12 2>/dev/null | sed 's/^/dev-/')
LDFLAGS := $(if $(VERSION),-X github.com/crispify/crispify/internal/build.version=$(VERSION))

.PHONY: test lint unit cross build install schema images bench demo release-check clean

## test: everything CI checks: format, vet, staticcheck, tests, cross builds
test: lint unit cross

## lint: gofmt must change nothing; go vet and staticcheck must say nothing
lint:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then \
		echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@# Modules of their own, outside ./...: the demo's indexer, FerretDB and the e2e shop.
	$(GO) -C examples/indexer vet ./...
	$(GO) -C e2e/testdata/shop vet ./...
	$(GO) -C fixtures/ferretdb vet -tags ferretdb_no_postgresql ./...

## unit: every test, the end-to-end ones included (they need Docker and git)
unit:
	$(GO) test -race -timeout 14m ./...

## cross: compile both binaries for every release target, with the release's
## -trimpath, so that the release build after it (release-check) only links
cross:
	@for t in $(TARGETS); do \
		echo "go build $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} CGO_ENABLED=0 $(GO) build -trimpath ./cmd/... || exit 1; \
	done

## build: both binaries into ./bin
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/ ./cmd/...

## install: both binaries into $GOBIN (or $GOPATH/bin)
install:
	$(GO) install -ldflags '$(LDFLAGS)' ./cmd/...

## schema: regenerate manifests/schema.json from the manifest types
schema:
	$(GO) test ./internal/manifest -run TestSchema -update

## images: build the local images the tests and the demo use (no registry)
images:
	scripts/local-images.sh

## demo: the offline demo: local images, four service repos, six infra, live board
demo:
	scripts/demo.sh

## release-check: build the release with goreleaser (snapshot) and install its .deb
release-check:
	scripts/release-check.sh

## bench: run the benchmarks of BENCHMARKS.md
bench:
	scripts/bench.sh

clean:
	rm -rf bin dist build
