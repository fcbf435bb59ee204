# lifeguard: PGXS build of the extension; drives client/, test, demo, bench.
#
#   make && make install          build and install into the server that
#                                 $(PG_CONFIG) describes (PG 14 to 18)
#   make test                     install what is missing, build with
#                                 -Werror, run every test on a throwaway
#                                 cluster (see test/harness.sh)
#   make demo                     the tour, on a throwaway cluster
#   make bench                    the benchmarks under test/bench
#   make fuzz                     every libFuzzer harness of fuzz/ for
#                                 FUZZ_SECONDS each (default 300), under
#                                 ASan and UBSan (make test runs them
#                                 briefly)
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
include version.mk
EXTVERSION   = $(LG_VERSION)

MODULE_big   = lifeguard
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard extension/*.c))) common/appname.o common/audit_prefilter.o common/clients.o common/cuid2.o common/hazards.o common/quote.o
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))
DOCS         = README.md
# only PostgreSQL's entry points are exported (extension/exports.map)
SHLIB_LINK   = -lcrypto -Wl,--version-script=$(srcdir)/extension/exports.map
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

# the portable edition (docs/managed-postgresql.md): one SQL script built
# from sql/portable/src and the shared statements of sql/parts; committed,
# so that it can be run with psql -f without a build (test/integration/
# portable_install.t checks that it is what this rule makes)
PORTABLE_SQL = sql/portable/lifeguard_portable--$(EXTVERSION).sql
all: $(PORTABLE_SQL)
$(PORTABLE_SQL): sql/portable/build.sh sql/portable/gen_hazards.c common/hazards.c common/hazards.h common/quote.h $(sort $(wildcard sql/portable/src/*.sql)) $(sort $(wildcard sql/parts/*.sql)) $(EXTENSION).control
	sh sql/portable/build.sh $(EXTVERSION) > $@.tmp && mv $@.tmp $@

# the extension's objects depend on the headers they include, the library
# on its list of exports
$(OBJS): $(wildcard common/*.h extension/*.h)
$(shlib): extension/exports.map

# the client library and CLI, when present
ifneq ($(wildcard client/Makefile),)
all: client
client: $(PORTABLE_SQL)
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG) WERROR=$(WERROR) PORTABLE_SQL=../$(PORTABLE_SQL)
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

FUZZ_SECONDS ?= 300
fuzz:
	bash fuzz/run.sh $(FUZZ_SECONDS)

.PHONY: test demo bench fuzz

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
