# lifeguard: PGXS build of the extension; drives client/, test, demo, bench.
#
#   make && make install          build and install into the server that
#                                 $(PG_CONFIG) describes (PG 14 to 18)
#   make test                     install what is missing, build with
#                                 -Werror, run every test on a throwaway
#                                 cluster (see test/harness.sh)
#   make demo                     the tour, on a throwaway cluster
#   make bench                    the benchmarks under test/bench
#   make installcheck             after make install: the pgTAP suite
#                                 against the running server the PG*
#                                 variables name (test/installcheck.sh)
#   make test-matrix              the tests on every other PostgreSQL
#                                 major Debian's archive carries, in
#                                 debootstrap roots (test/matrix.sh, root)
#   make bench-matrix             the ids and audit benchmarks there too
#
# The harness finds the PostgreSQL major itself (test/harness.sh); 15, 17
# and 18 are tested, 14 and 16 compile from extension/compat.h's guards
# (docs/postgresql-versions.md).

EXTENSION    = lifeguard
EXTVERSION   = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big   = lifeguard
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard extension/*.c))) common/cuid2.o
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))
DOCS         = README.md
SHLIB_LINK   = -lcrypto
PG_CPPFLAGS  = -I$(srcdir)/common -I$(srcdir)/extension
EXTRA_CLEAN  = $(DATA_built)

# make test builds with WERROR=1
ifeq ($(WERROR),1)
PG_CFLAGS   += -Werror
endif

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# ... and the JIT bitcode, which PGXS compiles with the server's clang
# (Makefile.global's CLANG) when the server was built with LLVM
ifeq ($(WERROR),1)
BITCODE_CFLAGS += -Werror
endif

# the install script is the concatenation of sql/parts, one part per concern
$(DATA_built): $(sort $(wildcard sql/parts/*.sql)) $(EXTENSION).control
	cat $(sort $(wildcard sql/parts/*.sql)) > $@

# the extension's objects depend on the headers they include
$(OBJS): $(wildcard common/*.h extension/*.h)

# the client library and CLI, when present
ifneq ($(wildcard client/Makefile),)
all: client
client:
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG) WERROR=$(WERROR)
install: install-client
install-client: client
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG) install
clean: clean-client
clean-client:
	$(MAKE) -C client clean
.PHONY: client install-client clean-client
endif

test:
	bash test/harness.sh test

demo:
	bash test/harness.sh demo

bench:
	bash test/harness.sh bench $(BENCH)

.PHONY: test demo bench

# the pgTAP suite against the running server the PG* variables name, after
# make install (test/installcheck.sh); starts no cluster
installcheck:
	bash test/installcheck.sh

# every other PostgreSQL major Debian's archive carries, in debootstrap
# roots (test/matrix.sh; needs root)
test-matrix:
	bash test/matrix.sh test

bench-matrix:
	bash test/matrix.sh bench

.PHONY: installcheck test-matrix bench-matrix
