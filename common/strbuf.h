/*-------------------------------------------------------------------------
 *
 * strbuf.h
 *	  A string buffer: text appended piece by piece, either into the
 *	  caller's array of a fixed size (cut to fit and always terminated,
 *	  while counting every byte it was given, as snprintf counts: a size of
 *	  0 only measures) or into memory that grows as needed.  The client
 *	  library formats connection strings and redacted messages with it, the
 *	  CLI its outputs.
 *
 * A growing buffer may hold a secret (a connection string with its
 * password): growing moves the text and wipes the old memory, and
 * lg_strbuf_free wipes it too, so that no copy is left behind.  When it
 * cannot grow, oom is set and nothing more is appended.
 *
 * Plain C with no PostgreSQL dependency; no shared state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_STRBUF_H
#define LIFEGUARD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lg_strbuf
{
	char	   *data;			/* NUL-terminated when size > 0 */
	size_t		size;			/* bytes of data */
	size_t		len;			/* bytes appended (fixed: also those cut) */
	bool		grows;			/* data is malloc'd by the buffer */
	bool		oom;			/* growing failed; the text is incomplete */
} lg_strbuf;

/* A buffer over buf (size bytes; 0: only count); buf[0] is set to "". */
extern void lg_strbuf_fixed(lg_strbuf *sb, char *buf, size_t size);
/* An empty growing buffer (no memory until the first append). */
extern void lg_strbuf_init(lg_strbuf *sb);
/* A growing buffer's memory, wiped and freed; the buffer is empty again. */
extern void lg_strbuf_free(lg_strbuf *sb);

extern void lg_strbuf_putn(lg_strbuf *sb, const char *s, size_t n);
extern void lg_strbuf_puts(lg_strbuf *sb, const char *s);
extern void lg_strbuf_printf(lg_strbuf *sb, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
/* s percent-encoded: every byte but RFC 3986's unreserved characters */
extern void lg_strbuf_put_pct(lg_strbuf *sb, const char *s);
/*
 * The start of a URI: "postgresql://", then, when either is given, the user
 * and ":" and the password, percent-encoded, and "@"; with mask_password,
 * the password is "****".
 */
extern void lg_strbuf_put_uri_start(lg_strbuf *sb, const char *user,
									const char *password, bool mask_password);
/* the NULL-terminated items as a list for a message: "a, b or c" */
extern void lg_strbuf_put_list(lg_strbuf *sb, const char *const *items);

#endif							/* LIFEGUARD_STRBUF_H */
