#!/usr/bin/env bash
# fuzz/run.sh [SECONDS]: build every libFuzzer harness of fuzz/ (the files
# fuzz_*.c; a new harness is picked up by that name alone) with clang under
# ASan and UBSan, and run each for SECONDS (default $FUZZ_SECONDS, else 12)
# from a copy of its seed corpus fuzz/corpus/NAME/.  Any crash, leak or
# sanitizer report fails the run; one summary line per harness.
#
# A harness links the client library's sources (client/lib, whose private
# header lg_internal.h it may include) and every file of common/, with libpq
# and libcrypto.  Crash inputs are kept in fuzz/build/artifacts/; a failure
# prints libFuzzer's seed, the harness's report and the command that
# reproduces it.  A fixed input goes into the harness's seed corpus, which
# every run replays first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECS="${1:-${FUZZ_SECONDS:-12}}"
CC="${FUZZ_CC:-clang}"
PG_CONFIG="${PG_CONFIG:-pg_config}"
OUT="$ROOT/fuzz/build"
ART="$OUT/artifacts"
mkdir -p "$OUT" "$ART"

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (Debian: clang libclang-rt-dev)" >&2; exit 1; }

CFLAGS=(-g -O1 -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-I"$ROOT/client/include" -I"$ROOT/client/lib" -I"$ROOT/common" -I"$("$PG_CONFIG" --includedir)")
LIBSRC=("$ROOT"/client/lib/*.c "$ROOT"/common/*.c)
LIBS=(-L"$("$PG_CONFIG" --libdir)" -lpq -lcrypto -pthread)

export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

failed=0
for src in "$ROOT"/fuzz/fuzz_*.c; do
	name="$(basename "$src" .c)"
	bin="$OUT/$name"
	log="$OUT/$name.log"
	if ! "$CC" "${CFLAGS[@]}" -o "$bin" "$src" "${LIBSRC[@]}" "${LIBS[@]}" >"$log" 2>&1; then
		echo "fuzz $name: FAILED to build"; cat "$log"; failed=1; continue
	fi
	work="$(mktemp -d "$OUT/corpus.$name.XXXXXX")"
	if [ -d "$ROOT/fuzz/corpus/$name" ]; then
		cp -r "$ROOT/fuzz/corpus/$name/." "$work/"
	fi
	rc=0
	"$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$ART/$name-" "$work" >"$log" 2>&1 || rc=$?
	runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
	cov="$(grep -a -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)"
	corpus="$(find "$work" -type f | wc -l)"
	rm -rf "$work"
	if [ "$rc" -ne 0 ] || grep -q -e 'runtime error:' -e 'Sanitizer' "$log"; then
		echo "fuzz $name: FAILED (exit $rc) after ${runs:-?} runs; log $log, inputs in $ART/"
		grep -a -m1 '^INFO: Seed:' "$log" || true
		# the harness's own words, then the sanitizer's or libFuzzer's report
		grep -a -v -e '^#[0-9]' -e '^INFO:' -e '^	' "$log" | grep -a -m1 -B8 -A30 \
			-e 'ERROR:' -e 'runtime error:' -e 'deadly signal' || tail -30 "$log"
		for a in $(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log"); do
			echo "reproduce: $bin $a"
			echo "add it to the seeds once fixed: cp $a $ROOT/fuzz/corpus/$name/"
		done
		failed=1
	else
		echo "fuzz $name: ok, ${runs:-?} runs in ${SECS} s, coverage ${cov:-?}, corpus $corpus"
	fi
done
exit "$failed"
