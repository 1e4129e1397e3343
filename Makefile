# dbx-insider: GNU make (4.x) required.
#
#   make            build every tool into build/bin
#   make check      all tests (installs missing Debian packages first)
#   make check-asan the whole suite under ASan+UBSan
#   make check-valgrind  the whole suite under valgrind
#   make fuzz       libFuzzer harnesses (FUZZ_SECONDS each)
#   make bench      benchmarks against jq, gojq and python3
#   make demo       a full sync of the bundled sample table against the emulators
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=

VERSION = 0.1.0
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O3 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ilib -DDBXI_VERSION=\"$(VERSION)\"
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

PKG_CFLAGS := $(shell pkg-config --cflags libcurl msgpack 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs libcurl msgpack 2>/dev/null || echo -lcurl -lmsgpackc)
JQ_LIBS    := $(shell pkg-config --libs libjq 2>/dev/null || echo -ljq -lonig)
override CFLAGS += $(PKG_CFLAGS)
LDLIBS  = $(PKG_LIBS) $(JQ_LIBS) -lm -lpthread

LIB_SRC  := $(sort $(wildcard lib/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBA     := $(BUILD)/libdbxi.a
CMDS     := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard cmd/*/main.c)))))
BINS     := $(CMDS:%=$(BUILD)/bin/%)
SCRIPTS  := $(notdir $(wildcard scripts/dbx-*))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SINKS    := $(BUILD)/tests/ins_sink
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS  := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
MANS     := $(wildcard docs/*.1)
FUZZ_SECONDS ?= 60

.PHONY: all deps check check-run check-asan check-valgrind fuzz bench demo install clean
.SUFFIXES:

all: $(BINS) $(UNITS) $(SINKS)

$(BUILD)/%.o: %.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/%: $(LIBA) $(wildcard cmd/*/*.c cmd/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icmd/$* -o $@ $(wildcard cmd/$*/*.c) $(LIBA) $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIBA) $(LDFLAGS) $(LDLIBS)

# The benchmarks' Insider sink (issue 14: cheaper than the python emulator's fast mode)
$(BUILD)/tests/ins_sink: tests/sink/ins_sink.c tests/sink/ins_scan.h
$(BUILD)/tests/test_ins_scan: tests/sink/ins_scan.h
$(BUILD)/tests/ins_sink:
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -lpthread

# Install the Debian packages the build and the tests need, only when one is missing.
deps:
	@sh scripts/install-deps --if-missing

check: deps
	$(MAKE) check-run
	$(MAKE) check-asan
	$(MAKE) check-valgrind
	$(MAKE) fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-20}

# The suite itself, on whichever build BUILD names; TEST_WRAP runs each tool under a wrapper.
check-run: all
	@sh tests/run $(BUILD)

check-asan: deps
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" check-run

check-valgrind: deps all
	@DBXI_VALGRIND=1 sh tests/run $(BUILD)

build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	  -o $@ $< $(LIB_SRC) $(PKG_LIBS) $(JQ_LIBS) -lm -lpthread

fuzz: deps $(FUZZERS)
	@for f in $(FUZZERS); do n=$${f#build-fuzz/}; mkdir -p build-fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=1024 \
	    build-fuzz/corpus-$$n tests/fuzz/corpus/$$n >build-fuzz/$$n.log 2>&1 \
	    || { tail -n 40 build-fuzz/$$n.log; exit 1; }; done; echo "fuzz: ok"

bench: deps all
	@sh scripts/bench

demo: deps all
	@sh scripts/demo

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m0755 $(BINS) $(DESTDIR)$(BINDIR)
	for s in $(SCRIPTS); do \
		sed 's/^DBXI_VERSION=.*/DBXI_VERSION=$(VERSION)/' scripts/$$s >$(DESTDIR)$(BINDIR)/$$s && \
		chmod 0755 $(DESTDIR)$(BINDIR)/$$s || exit 1; done
	for m in $(MANS); do install -m0644 $$m $(DESTDIR)$(MANDIR)/man1; done

clean:
	rm -rf build build-asan build-fuzz
