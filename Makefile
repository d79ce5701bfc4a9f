# berth: make | make check | make bench | make install PREFIX=...
CXX      ?= g++
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Wno-missing-field-initializers -fno-plt -fPIE -I.
# CI builds with WERROR=1: a warning fails the build there.
CXXFLAGS += $(if $(filter 1,$(WERROR)),-Werror)
# The sanitizer build of the unit tests ($(BUILD)/san/unit-tests) sets this, in its own BUILD dir.
SANFLAGS ?=
CXXFLAGS += $(SANFLAGS)
LDLIBS_LIB = -lseccomp -lcap -lyajl $(SANFLAGS)
# The CLI is a static PIE (create is latency bound): no shared object to
# map and relocate on every exec, and fewer mappings for the fork of the
# container's init to copy; about 3 ms of a `run` here. It uses no NSS
# (see owner_name in runtime/commands.cpp) and keeps ASLR.
LDLIBS_STATIC = -static-pie -lseccomp -lcap -lyajl_s
# Its entry point runs before libc (runtime/early_start.cpp), as does what it
# calls: no stack protector (no TLS yet), no call the compiler would add
# (memset, memcpy), direct calls only. tests/lint/early_symbols.sh checks.
FREESTANDING = -ffreestanding -fno-builtin -fno-stack-protector -fno-tree-loop-distribute-patterns \
  -fno-exceptions -fno-asynchronous-unwind-tables -fplt
PREFIX  ?= /usr/local
# demo and check build with every core (they are the README's two commands).
NPROC   := $(shell nproc 2>/dev/null || echo 2)
BUILD   := build
VERSION := 0.1.0

LIB_SRC  := $(shell find libcontainer -name '*.cpp' | sort)
ISO_SRC  := $(shell find isolators -name '*.cpp' | sort)
CLI_SRC  := $(shell find runtime -name '*.cpp' | sort)
SHIM_SRC := $(shell find shim -name '*.cpp' | sort)
UNIT_SRC := $(shell find tests/unit -name '*.cpp' | sort)
# The image commands (berth-image): a dynamic program of its own, since it
# links libcurl, libarchive and libcrypto; the backends' undo is also the
# runtime's (a container made with --image removes its rootfs at delete).
IMG_SRC  := $(shell find images -name '*.cpp' | sort)
LDLIBS_IMG = -lcurl -larchive -lcrypto -lz -lzstd

obj = $(patsubst %.cpp,$(BUILD)/%.o,$(1))
LIB_OBJ  := $(call obj,$(LIB_SRC))
ISO_OBJ  := $(call obj,$(ISO_SRC))
CLI_OBJ  := $(call obj,$(CLI_SRC))
# The CLI without main(): the unit tests parse command lines with it.
CLI_LIB_OBJ := $(filter-out $(BUILD)/runtime/main.o,$(CLI_OBJ))
SHIM_OBJ := $(call obj,$(SHIM_SRC))
IMG_OBJ  := $(call obj,$(IMG_SRC))
IMG_LIB_OBJ := $(filter-out $(BUILD)/images/main.o,$(IMG_OBJ))
RT_IMG_OBJ := $(BUILD)/images/undo.o
UNIT_OBJ := $(call obj,$(UNIT_SRC))

all: bin/berth bin/berth-shim bin/berth-runc bin/berth-image

$(BUILD)/runtime/early_start.o $(BUILD)/libcontainer/sys/exe_view.o: CXXFLAGS += $(FREESTANDING)

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -DBERTH_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

$(BUILD)/libcontainer.a: $(LIB_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/isolators.a: $(ISO_OBJ)
	@rm -f $@; ar rcs $@ $^

bin/berth: $(CLI_OBJ) $(RT_IMG_OBJ) $(BUILD)/isolators.a $(BUILD)/libcontainer.a
	@mkdir -p bin
	$(CXX) $(CXXFLAGS) -Wl,-e,berth_entry -o $@ $^ $(LDLIBS_STATIC)

bin/berth-image: $(IMG_OBJ) $(BUILD)/libcontainer.a
	@mkdir -p bin
	$(CXX) $(CXXFLAGS) -o $@ $^ $(LDLIBS_LIB) $(LDLIBS_IMG)

# berth called by this name runs as runc does under a supervisor (conmon,
# containerd's shim), which reaps the container's init itself: no berth-shim
# (runtime/commands.hpp, kSupervisedName). Engines take it as their runtime path.
bin/berth-runc: bin/berth
	ln -sf berth $@

# The shim uses libc only (no C++ library), linked statically against musl
# where Debian's musl-tools is installed (tests/lib/install-deps.sh): it
# starts in about 0.2 ms, glibc's dynamic start-up takes 0.7 (its loader,
# and its probing of the caches, whose cpuid traps on a VM), once per
# container, on the CPU the container's setup needs; musl's text is a few
# pages, shared among the shims. Without musl: glibc, dynamic.
MUSL_SPECS := $(wildcard /usr/lib/x86_64-linux-musl/musl-gcc.specs)
$(SHIM_OBJ): CXXFLAGS += -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables \
  $(if $(MUSL_SPECS),-nostdinc++ -specs $(MUSL_SPECS))
bin/berth-shim: $(SHIM_OBJ)
	@mkdir -p bin
	$(CC) $(filter-out -std=c++20,$(CXXFLAGS)) $(if $(MUSL_SPECS),-specs $(MUSL_SPECS) -static) -o $@ $^

$(BUILD)/unit-tests: $(UNIT_OBJ) $(CLI_LIB_OBJ) $(IMG_LIB_OBJ) $(BUILD)/isolators.a $(BUILD)/libcontainer.a
	$(CXX) $(CXXFLAGS) -o $@ $^ $(LDLIBS_LIB) $(LDLIBS_IMG)

# The unit tests under ASan + UBSan (any report fails the run); the child's
# code is BERTH_CHILD, which opts out of both (it runs between clone and exec).
SAN_BUILD := $(BUILD)/san
$(SAN_BUILD)/unit-tests: FORCE
	@CXXFLAGS="-O1 -g" SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  $(MAKE) --no-print-directory BUILD=$(SAN_BUILD) $(SAN_BUILD)/unit-tests
FORCE:

# libFuzzer target for the config parser (Debian's clang).
FUZZ_SRC := tests/fuzz/fuzz_config.cpp
$(BUILD)/fuzz-config: $(FUZZ_SRC) $(LIB_SRC)
	@mkdir -p $(BUILD)
	clang++ -std=c++20 -g -O1 -I. -fsanitize=fuzzer,address,undefined -o $@ $(FUZZ_SRC) \
	  $(filter libcontainer/spec/% libcontainer/error/% libcontainer/json/%,$(LIB_SRC)) $(LDLIBS_LIB)

# The sync-protocol decoder (SECURITY.md: every length is bounds-checked).
$(BUILD)/fuzz-sync: tests/fuzz/fuzz_sync.cpp libcontainer/child/sync.cpp libcontainer/sys/unix_socket.cpp libcontainer/error/error.cpp
	@mkdir -p $(BUILD)
	clang++ -std=c++20 -g -O1 -I. -fsanitize=fuzzer,address,undefined -o $@ $^

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

fuzz: $(BUILD)/fuzz-config $(BUILD)/fuzz-sync
	tests/fuzz/run.sh $(BUILD)/fuzz-config
	tests/fuzz/run.sh $(BUILD)/fuzz-sync 20000 tests/fuzz/corpus-sync

# Installs the Debian packages the build and the tests need (idempotent).
deps:
	@tests/lib/install-deps.sh

# The quick start: a busybox container (from Debian's busybox-static) greets you.
demo: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@rm -rf $(BUILD)/demo && tests/lib/make-bundle.sh --copy $(BUILD)/demo \
	  sh -c 'echo "Hello from a berth container: pid $$$$ of its own pid namespace, uid $$(id -u), $$(uname -sr)"' >/dev/null
	@bin/berth --root $(BUILD)/demo-state run --bundle $(BUILD)/demo demo-$$$$

check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all $(BUILD)/unit-tests $(SAN_BUILD)/unit-tests $(BUILD)/fuzz-config $(BUILD)/fuzz-sync
	tests/run-all.sh

bench: all
	bench/bench.sh
	bench/cni.sh
	bench/images.sh

install: all
	install -D -m 0755 bin/berth $(DESTDIR)$(PREFIX)/bin/berth
	install -D -m 0755 bin/berth-shim $(DESTDIR)$(PREFIX)/bin/berth-shim
	install -D -m 0755 bin/berth-image $(DESTDIR)$(PREFIX)/bin/berth-image
	ln -sf berth $(DESTDIR)$(PREFIX)/bin/berth-runc
	for m in man/*.8; do install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/$$(basename $$m); done

clean:
	rm -rf $(BUILD) bin

# Rewrites every C and C++ source to .clang-format (tests/lint/format.sh checks it).
format:
	git ls-files '*.cpp' '*.hpp' '*.c' '*.h' | xargs clang-format -i

.PHONY: all unit fuzz check bench install clean deps demo format FORCE
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
