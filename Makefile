# Builds every tool into ./bin and Pacer's own OCF agents into ./lib/ocf.
GO ?= go
BIN := bin

.PHONY: all tools agents test vet clean

all: tools agents

tools:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

# Pacer's own OCF provider "pacer" (agents/ocf/pacer/*) lands in lib/ocf/resource.d/pacer,
# next to the tools, so lrmd finds it without installing anything system-wide.
agents:
	@mkdir -p lib/ocf/resource.d/pacer
	@if [ -d agents/ocf/pacer ]; then cp -p agents/ocf/pacer/* lib/ocf/resource.d/pacer/ && chmod 0755 lib/ocf/resource.d/pacer/*; fi

vet:
	$(GO) vet ./...

test: all
	$(GO) test ./...

clean:
	rm -rf $(BIN) lib
