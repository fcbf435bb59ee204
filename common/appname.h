/*-------------------------------------------------------------------------
 *
 * appname.h
 *	  An application_name without the address PgBouncer appends to it
 *	  (application_name_add_host), so that every host of an application is
 *	  counted as one application.
 *
 * Plain C with no PostgreSQL dependency, so that a fuzzer can call it on
 * any buffer (fuzz/fuzz_appname.c); the extension compiles it in.  Pure
 * function of its arguments; no shared state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_APPNAME_H
#define LIFEGUARD_APPNAME_H

#include <stddef.h>

/*
 * The length of name without PgBouncer's suffix: with
 * application_name_add_host = 1, PgBouncer sends the client's name
 * followed by " - " and the client's address, one of
 *
 *	A.B.C.D:PORT              an IPv4 address
 *	[ADDR]:PORT               an IPv6 address
 *	unix(PID@HOST):PORT       a Unix-domain socket with the peer's pid
 *	unix:PORT                 a Unix-domain socket
 *
 * (PgBouncer's pga_details(); "app" stands for a client that sent no
 * name).  Only the last " - " counts, and only when all that follows it is
 * one of those; otherwise the whole length is returned.
 */
extern size_t lg_appname_base_len(const char *name, size_t len);

/*
 * name without that suffix, truncated to at most outsize - 1 bytes, into
 * out (NUL-terminated; outsize > 0).  Returns out.
 */
extern char *lg_appname_base(const char *name, char *out, size_t outsize);

#endif							/* LIFEGUARD_APPNAME_H */
