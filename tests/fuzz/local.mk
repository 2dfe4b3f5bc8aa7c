# SPDX-License-Identifier: LGPL-2.1-or-later
# The fuzzers (see tests/fuzz/fuzz.h). In every build make check replays
# each harness's corpus through it (replay-NAME, linked with replay-main.c);
# with --enable-fuzzing the same harnesses link libFuzzer (fuzz-NAME) and
# make fuzz FUZZ_SECONDS=N [FUZZ_HARNESSES="policy ini"] runs each for N
# seconds on a scratch copy of its corpus, so the tree is never written.
fuzz_harnesses = control broker policy ini parse

fuzz_cflags = $(AM_CFLAGS) -I$(top_srcdir)/tests/fuzz $(DAEMON_INCLUDES) \
	-I$(top_srcdir)/client -I$(top_srcdir)/tests/lib $(LIBEVENT_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(LIBSECCOMP_CFLAGS)
fuzz_daemon_libs = daemon/libdaemon.la daemon/libpolicy.la protocol/libprotocol.la \
	common/libcommon.la $(LIBEVENT_LIBS) $(LIBSYSTEMD_LIBS) $(LIBSECCOMP_LIBS)
fuzz_policy_libs = daemon/libpolicy.la common/libcommon.la $(LIBSECCOMP_LIBS)
fuzz_common_sources = tests/fuzz/fuzz.h tests/fuzz/fuzz-util.c
# For testlib_count_fds(), the fd count the integration tests use too.
fuzz_common_libs = tests/integration/libitest.la tests/lib/libtestlib.la $(CHECK_LIBS)
fuzz_replay_sources = $(fuzz_common_sources) tests/fuzz/replay-main.c

fuzz_replays = \
	tests/fuzz/replay-control \
	tests/fuzz/replay-broker \
	tests/fuzz/replay-policy \
	tests/fuzz/replay-ini \
	tests/fuzz/replay-parse
check_PROGRAMS += $(fuzz_replays)
TESTS += $(fuzz_replays)

# Each replay binary knows its corpus, so the TAP driver runs it bare.
tests_fuzz_replay_control_SOURCES = tests/fuzz/fuzz-control.c $(fuzz_replay_sources)
tests_fuzz_replay_control_CFLAGS = $(fuzz_cflags) -DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/control\"
tests_fuzz_replay_control_LDADD = $(fuzz_daemon_libs) $(fuzz_common_libs)
tests_fuzz_replay_broker_SOURCES = tests/fuzz/fuzz-broker.c $(fuzz_replay_sources)
tests_fuzz_replay_broker_CFLAGS = $(fuzz_cflags) -DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/broker\"
tests_fuzz_replay_broker_LDADD = $(fuzz_daemon_libs) $(fuzz_common_libs)
tests_fuzz_replay_policy_SOURCES = tests/fuzz/fuzz-policy.c $(fuzz_replay_sources)
tests_fuzz_replay_policy_CFLAGS = $(fuzz_cflags) -DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/policy\"
tests_fuzz_replay_policy_LDADD = $(fuzz_policy_libs) $(fuzz_common_libs)
tests_fuzz_replay_ini_SOURCES = tests/fuzz/fuzz-ini.c $(fuzz_replay_sources)
tests_fuzz_replay_ini_CFLAGS = $(fuzz_cflags) -DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/ini\"
tests_fuzz_replay_ini_LDADD = common/libcommon.la $(fuzz_common_libs)
tests_fuzz_replay_parse_SOURCES = tests/fuzz/fuzz-parse.c $(fuzz_replay_sources)
tests_fuzz_replay_parse_CFLAGS = $(fuzz_cflags) -DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/parse\"
tests_fuzz_replay_parse_LDADD = common/libcommon.la $(fuzz_common_libs)

# The seed generator; the test checks that the checked-in seeds are what
# today's client sends (after a protocol change: make fuzz-seeds).
check_PROGRAMS += tests/fuzz/gen-corpus
tests_fuzz_gen_corpus_SOURCES = tests/fuzz/gen-corpus.c
tests_fuzz_gen_corpus_CFLAGS = $(fuzz_cflags)
tests_fuzz_gen_corpus_LDADD = client/libsandbox-client.la protocol/libprotocol.la \
	common/libcommon.la
dist_check_SCRIPTS += tests/fuzz/seeds-current.sh
TESTS += tests/fuzz/seeds-current.sh

EXTRA_DIST += tests/fuzz/corpus tests/fuzz/policy.dict

.PHONY: fuzz fuzz-seeds
fuzz-seeds: tests/fuzz/gen-corpus
	$(AM_V_GEN)rm -f $(top_srcdir)/tests/fuzz/corpus/control/gen-* \
	    $(top_srcdir)/tests/fuzz/corpus/broker/gen-* && \
	tests/fuzz/gen-corpus $(top_srcdir)/tests/fuzz/corpus

if ENABLE_FUZZING
fuzz_fuzzers = \
	tests/fuzz/fuzz-control \
	tests/fuzz/fuzz-broker \
	tests/fuzz/fuzz-policy \
	tests/fuzz/fuzz-ini \
	tests/fuzz/fuzz-parse
noinst_PROGRAMS += $(fuzz_fuzzers)
tests_fuzz_fuzz_control_SOURCES = tests/fuzz/fuzz-control.c $(fuzz_common_sources)
tests_fuzz_fuzz_control_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_control_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_control_LDADD = $(fuzz_daemon_libs) $(fuzz_common_libs)
tests_fuzz_fuzz_broker_SOURCES = tests/fuzz/fuzz-broker.c $(fuzz_common_sources)
tests_fuzz_fuzz_broker_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_broker_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_broker_LDADD = $(fuzz_daemon_libs) $(fuzz_common_libs)
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz-policy.c $(fuzz_common_sources)
tests_fuzz_fuzz_policy_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_policy_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_LDADD = $(fuzz_policy_libs) $(fuzz_common_libs)
tests_fuzz_fuzz_ini_SOURCES = tests/fuzz/fuzz-ini.c $(fuzz_common_sources)
tests_fuzz_fuzz_ini_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_ini_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_ini_LDADD = common/libcommon.la $(fuzz_common_libs)
tests_fuzz_fuzz_parse_SOURCES = tests/fuzz/fuzz-parse.c $(fuzz_common_sources)
tests_fuzz_fuzz_parse_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_parse_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_parse_LDADD = common/libcommon.la $(fuzz_common_libs)

FUZZ_SECONDS = 60
FUZZ_HARNESSES = $(fuzz_harnesses)
FUZZ_DIR = $(abs_top_builddir)/tests/fuzz/run
# One harness after the other, each on a scratch copy of its corpus (and
# with tests/fuzz/NAME.dict if there is one); what libFuzzer adds or finds
# stays under $(FUZZ_DIR).
fuzz: $(fuzz_fuzzers)
	@set -e; for h in $(FUZZ_HARNESSES); do \
	    rm -rf "$(FUZZ_DIR)/$$h"; $(MKDIR_P) "$(FUZZ_DIR)/$$h/corpus" "$(FUZZ_DIR)/$$h/artifacts"; \
	    cp $(abs_top_srcdir)/tests/fuzz/corpus/$$h/* "$(FUZZ_DIR)/$$h/corpus/"; \
	    dict=$(abs_top_srcdir)/tests/fuzz/$$h.dict; \
	    if test -f "$$dict"; then dict="-dict=$$dict"; else dict=; fi; \
	    echo "== fuzz-$$h for $(FUZZ_SECONDS) s"; \
	    tests/fuzz/fuzz-$$h $$dict -max_total_time=$(FUZZ_SECONDS) -max_len=70000 -timeout=10 \
	        -print_final_stats=1 \
	        -artifact_prefix="$(FUZZ_DIR)/$$h/artifacts/" "$(FUZZ_DIR)/$$h/corpus" \
	        2>"$(FUZZ_DIR)/$$h/log" || { tail -n 40 "$(FUZZ_DIR)/$$h/log"; exit 1; }; \
	    grep -E 'cov: ' "$(FUZZ_DIR)/$$h/log" | tail -n 1; grep -E '^Done ' "$(FUZZ_DIR)/$$h/log"; \
	done
else
fuzz:
	@echo "make fuzz needs ./configure --enable-fuzzing (and CC=clang)" >&2; exit 1
endif

# What make fuzz found and grew stays until make clean.
clean-local:
	-rm -rf tests/fuzz/run
