# seal: build, test, bench. See README.md.
#   make            build/seal and build/libseal.a
#   make test       install missing dependencies, build, run every test (unit, oracle, CLI)
#   make test-asan  every test again against an AddressSanitizer + UBSan build
#   make cross-aarch64  the NEON kernels and their unit tests for aarch64 (build-aarch64/, run
#                   under qemu by tests/cross/test_aarch64.sh; docs/kernels.md)
#   make fuzz       libFuzzer targets for a bounded time (FUZZ_SECONDS, default 60 each)
#   make bench      speed against the PyTorch anchor, measured in the same run
#   make demo       SEAL on the tiny sandbox models: knowledge, then ARC
#                   (demo-knowledge, demo-arc: one of them)
#   make tiny-models  rebuild models/tiny-knowledge/ and models/tiny-arc/ from scratch
CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
# One binary per architecture, not per machine: no -march=native. On x86-64
# the baseline is x86-64-v3 (AVX2, FMA, F16C: every x86-64 CPU since 2013-15);
# BASE_ARCH=-march=x86-64 builds for older ones. The kernels of each
# instruction set are compiled with their own flags (KERN_FLAGS below) and
# chosen at run time by CPUID (src/kern/isa.c); see docs/kernels.md.
MACHINE := $(shell $(CC) -dumpmachine)
ifneq ($(filter x86_64% i686% i386%,$(MACHINE)),)
BASE_ARCH ?= -march=x86-64-v3
KERN_AVX2   := -mavx2 -mfma -mf16c
KERN_AVX512 := $(KERN_AVX2) -mavx512f -mavx512bw -mavx512dq -mavx512vl
$(BUILD)/src/kern/matmul_avx2.o: KERN_FLAGS := $(KERN_AVX2)
$(BUILD)/src/kern/matmul_avx512.o: KERN_FLAGS := $(KERN_AVX512)
$(BUILD)/src/kern/matmul_bf16.o: KERN_FLAGS := $(KERN_AVX512) -mavx512bf16
else ifneq ($(filter aarch64%,$(MACHINE)),)
# aarch64: NEON (asimd) is in the armv8-a baseline; the bf16 dot product
# (bfdot) needs Armv8.6's BF16 extension, compiled in its own file and chosen
# at run time by the hwcaps.
BASE_ARCH ?= -march=armv8-a
# GCC's scheduling before register allocation hoists a step's 8 weight loads
# above the fmas and spills the 4x3 tile's 24 accumulators; without it they
# stay in registers (scheduling moves instructions, never changes a result).
$(BUILD)/src/kern/matmul_neon.o: KERN_FLAGS := -fno-schedule-insns
$(BUILD)/src/kern/matmul_neon_bf16.o: KERN_FLAGS := -march=armv8.6-a+bf16
endif
CFLAGS  += $(BASE_ARCH)
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
# OpenMPI when present (docs/scale-out.md): src/rt/rank.c is then compiled with
# SEAL_HAVE_MPI; without it the same file is the one-rank stub. MPI=0 forces the stub.
MPI ?= $(shell command -v mpicc >/dev/null 2>&1 && echo 1 || (pkg-config --exists ompi-c 2>/dev/null && echo 1) || echo 0)
ifeq ($(MPI),1)
MPI_CFLAGS := -DSEAL_HAVE_MPI $(shell mpicc --showme:compile 2>/dev/null || pkg-config --cflags ompi-c)
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null || pkg-config --libs ompi-c)
else
$(info seal: building without MPI (mpicc not found, or MPI=0): install openmpi-bin and libopenmpi-dev (scripts/install-deps.sh) and rebuild for `mpirun` runs)
endif
CFLAGS  += $(MPI_CFLAGS)
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -Isrc -MMD -MP $(BLAS_CFLAGS)
LDLIBS  += $(shell pkg-config --libs libmicrohttpd libcurl 2>/dev/null || echo -lmicrohttpd -lcurl) -ljansson -lpcre2-8 -lutf8proc $(BLAS_LIBS) $(MPI_LIBS) -lm -lpthread

LIB_SRC  := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
DEPS_STAMP := $(BUILD)/.deps-ok

# The aarch64 cross build (`make cross-aarch64`, docs/kernels.md): the util, rt
# and kern layers without their third-party parts (jansson, OpenBLAS), and the
# unit tests they suffice for, built by Debian's gcc-aarch64-linux-gnu into
# build-aarch64/ and run under qemu-aarch64 by tests/cross/test_aarch64.sh.
# KERN_ONLY=1 restricts a build to that subset and links only libc and libm.
AARCH64_CC ?= aarch64-linux-gnu-gcc
AARCH64_TESTS := test_kernels test_matmul test_vexp test_threadpool test_nprandom test_pyorder test_strbuf
ifeq ($(KERN_ONLY),1)
LIB_SRC := $(filter-out src/util/json_diff.c src/util/json_load.c src/util/run_record.c src/kern/matmul_blas.c \
             src/kern/wgrad.c,$(sort $(wildcard src/util/*.c src/rt/*.c src/kern/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LDLIBS  := -lm -lpthread
endif

.PHONY: all deps cross-aarch64 test test-unit test-asan fuzz bench demo demo-knowledge demo-arc tiny-models tiny-knowledge tiny-arc clean
all: $(BUILD)/seal $(BUILD)/libseal.a

# Install what is missing (apt, npm) before the first build; see scripts/install-deps.sh.
deps: $(DEPS_STAMP)
# Read as a makefile, so that on a fresh machine make installs the dependencies
# first and then restarts: what the Makefile detects (mpicc for MPI, pkg-config
# flags) is then looked up after they are installed, not before.
-include $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh
	@scripts/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KERN_FLAGS) -c $< -o $@

$(BUILD)/libseal.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/seal: $(CLI_OBJ) $(BUILD)/libseal.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libseal.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libseal.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libseal.a $(LDLIBS)

# test_opt tests the CLI's option table, which lives outside libseal.a.
$(BUILD)/tests/test_opt: tests/unit/test_opt.c $(BUILD)/src/cli/opt.o $(BUILD)/libseal.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/src/cli/opt.o $(BUILD)/libseal.a $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libseal.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libseal.a $(LDLIBS)

cross-aarch64:
	@$(MAKE) --no-print-directory CC=$(AARCH64_CC) BUILD=build-aarch64 MPI=0 BLAS_CFLAGS= KERN_ONLY=1 \
	    $(AARCH64_TESTS:%=build-aarch64/tests/%)

test: all $(TEST_BIN)
	@tests/run.sh $(BUILD)

test-unit: $(TEST_BIN)
	@tests/run.sh $(BUILD) unit

# Unit tests again, under ASan+UBSan, in their own build folder.
test-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	    build-asan/seal $(TEST_SRC:tests/unit/%.c=build-asan/tests/%)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run.sh build-asan

FUZZ_SECONDS ?= 60
fuzz: $(DEPS_STAMP)
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench: all $(BENCH_BIN)
	@bench/run.sh $(BUILD)

# SEAL's two experiments on the shipped tiny models: knowledge incorporation
# (scripts/demo.sh) then few-shot ARC (scripts/demo_arc.sh, when
# models/tiny-arc holds a model); one each with demo-knowledge and demo-arc.
demo: all
	@scripts/demo.sh
	@if [ -f models/tiny-arc/model.safetensors ]; then scripts/demo_arc.sh; else \
	  echo "demo: no ARC part: models/tiny-arc ships no model yet (models/tiny-arc/README.md; make tiny-arc builds one)"; fi

demo-knowledge: all
	@scripts/demo.sh

demo-arc: all
	@scripts/demo_arc.sh

# Rebuild models/tiny-knowledge/ and models/tiny-arc/ from scratch (world,
# tokenizer, pretraining); tiny-knowledge or tiny-arc for one of them.
tiny-models: all
	@scripts/tiny_models.sh all

tiny-knowledge tiny-arc: all
	@scripts/tiny_models.sh $(@:tiny-%=%)

clean:
	rm -rf build build-asan build-fuzz build-aarch64

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
