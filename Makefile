# vigil - the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is a convenience for developers.

JOBS       ?= $(shell nproc)
BUILD      ?= build
CORPUS     ?= $(or $(VIGIL_CORPUS),$(abspath ../shared/data))
FUZZ_SECS  ?= 15
VIGIL_HOME ?= $(CURDIR)/var

export VIGIL_CORPUS := $(CORPUS)

.PHONY: all run test bootstrap llama build asan fuzz-build fuzz bench check format format-check clean demo

all: build

bootstrap:
	@./scripts/bootstrap

# llama.cpp, fetched at a pinned version and built once into build/llama (cached there; a
# no-op when up to date). See docs/internals/llama-build.md.
llama: bootstrap
	@./scripts/fetch-llama
	@JOBS=$(JOBS) ./scripts/build-llama

# Configured after llama (order-only), so CMake finds it; reconfigured when it is rebuilt.
$(BUILD)/release/Makefile: CMakeLists.txt $(wildcard build/llama/install/.stamp) | llama
	cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release >/dev/null

build: bootstrap llama $(BUILD)/release/Makefile
	cmake --build $(BUILD)/release -j$(JOBS)

# Build, generate demo data, ingest it and show a few searches.
run: build
	VIGIL_HOME=$(VIGIL_HOME) $(BUILD)/release/vigil demo

asan: bootstrap llama
	cmake -S . -B $(BUILD)/asan -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON -DVIGIL_BENCH=OFF >/dev/null
	cmake --build $(BUILD)/asan -j$(JOBS)

fuzz-build: bootstrap
	CC=clang-14 cmake -S . -B $(BUILD)/fuzz -DCMAKE_BUILD_TYPE=Debug -DVIGIL_FUZZ=ON >/dev/null
	cmake --build $(BUILD)/fuzz -j$(JOBS)

# A short run of every fuzz target (FUZZ_SECS each), seeded from tests/fuzz/corpus/<target>.
fuzz: fuzz-build
	./scripts/fuzz-all $(BUILD)/fuzz $(FUZZ_SECS)

check: bootstrap
	./scripts/check-source

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c')

format-check:
	./scripts/check-format

# The whole suite: source and format checks, release tests, the same under
# ASan+UBSan (leaks checked), then a short fuzz run.
test: build check format-check asan
	cd $(BUILD)/release && ctest --output-on-failure -j$(JOBS)
	cd $(BUILD)/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)
	$(MAKE) fuzz

bench: build
	./scripts/bench-all $(BUILD)/release

clean:
	rm -rf $(BUILD)
