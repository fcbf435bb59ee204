/*-------------------------------------------------------------------------
 *
 * audit_prefilter.h
 *	  The audit's cheap scan of a statement's text before it walks the
 *	  analyzed tree for set_config and advisory lock calls.
 *
 * Plain C with no PostgreSQL dependency, so that a fuzzer can call it on
 * any buffer (fuzz/fuzz_prefilter.c); the extension compiles it in.  Pure
 * function of its arguments; no shared state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_AUDIT_PREFILTER_H
#define LIFEGUARD_AUDIT_PREFILTER_H

#include <stdbool.h>

/*
 * Might the statement at text + location (len bytes; 0: to the end of the
 * NUL-terminated text; location < 0: the whole text) call set_config or an
 * advisory lock function?  False only when it certainly does not: its text
 * names neither before its last "(" (a call is written name(...)).
 */
extern bool lg_audit_text_may_call(const char *text, int location, int len);

#endif							/* LIFEGUARD_AUDIT_PREFILTER_H */
