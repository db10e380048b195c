# The two commands of the README: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
BUILD ?= build/release
TEST_BUILD ?= build/test
JOBS ?= $(shell nproc)

.PHONY: run test deps build build-test bench clean help

help:
	@echo "make run    build, start PostgreSQL, Redis, every service and the gateway; Ctrl-C stops all"
	@echo "make test   build with sanitizers and run the whole test suite against throwaway servers"
	@echo "make bench  run the benchmarks of bench/ (figures in docs/performance.md)"

deps:
	@deploy/local/install-deps.sh deploy/local/packages.txt

build: deps
	@deploy/local/npm-deps.sh gateway/docs
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(BUILD) -j$(JOBS)

build-test: deps
	@deploy/local/npm-deps.sh gateway/docs
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DECOM_SANITIZE=ON -DECOM_WERROR=$${CI:+ON} > /dev/null
	@cmake --build $(TEST_BUILD) -j$(JOBS)

run: build
	@deploy/local/run.sh $(BUILD)/bin

test: build-test
	@tests/harness/run.sh $(TEST_BUILD)

bench: build
	@deploy/local/install-deps.sh bench/packages.txt
	@for b in bench/seed.sh bench/api.sh bench/analytics.sh bench/orders.sh bench/browse.sh bench/etl.sh bench/scale.sh bench/export.sh; do echo "== $$b"; $$b $(BUILD)/bin || exit 1; done

clean:
	rm -rf build

# Lint and layout (.clang-tidy, deploy/ci/cppcheck-suppressions.txt, .clang-format).
.PHONY: lint format

lint: build
	@deploy/local/install-deps.sh deploy/ci/lint-packages.txt
	@deploy/ci/lint.sh $(BUILD)

format:
	@deploy/local/install-deps.sh deploy/ci/lint-packages.txt
	@git ls-files --cached --others --exclude-standard -- '*.c' '*.h' | xargs -r clang-format -i

# libFuzzer targets (fuzz/run.sh, Debian's clang, ASan + UBSan) for the parsers that read
# outside input: each runs FUZZ_SECONDS (default 60) from its seed corpus in fuzz/corpus/
# (FUZZ_TARGETS="csv jwt" picks some). `make test` runs each for 5,000 inputs (fuzz_*).
.PHONY: fuzz
fuzz: deps
	@fuzz/run.sh $${FUZZ_SECONDS:-60} $(FUZZ_TARGETS)
