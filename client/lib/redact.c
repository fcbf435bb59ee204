/*-------------------------------------------------------------------------
 *
 * redact.c
 *	  Locating the secrets of a connection string and hiding exactly those,
 *	  so that no output of lifeguard carries a password while its errors
 *	  still name the bad parameter, host, port or scheme.
 *
 * What is a secret:
 *	  - the value of every libpq option that libpq itself marks as
 *		password-like (PQconninfoOption.dispchar "*": password, sslpassword,
 *		and whatever later libpq versions add);
 *	  - the value of every key that is not a libpq option (a misspelled
 *		"Password=" or "passwd=" is most likely a password);
 *	  - the user info of anything URL-shaped, whatever its scheme: the part
 *		after the first ':' for postgres:// and postgresql:// (the user name
 *		stays), all of it for any other scheme (tokens often go there);
 *	  - a word of a key=value string that is not a key=value pair and not
 *		a libpq keyword (the tail of an unquoted password with a space).
 *	  Everything else (keys, hosts, ports, database names, the scheme) is
 *	  shown, so that a message can say what is wrong.
 *
 * Secrets are kept in an lg_secrets list (malloc'd copies, wiped with
 * explicit_bzero before they are freed), as written and percent-decoded,
 * and removed from any message with lg_secrets_scrub.
 *
 * The table of libpq's options is read once (pthread_once) and never
 * changes after; everything else works on the caller's data only.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"

/* ------------------------------------------------------------------------
 * libpq's options
 * ------------------------------------------------------------------------
 */

static pthread_once_t options_once = PTHREAD_ONCE_INIT;
static PQconninfoOption *options;	/* every option libpq knows, no values */

static void
load_options(void)
{
	char	   *errmsg = NULL;

	/* an empty string parses to the option table without defaults */
	options = PQconninfoParse("", &errmsg);
	PQfreemem(errmsg);
}

static const PQconninfoOption *
find_option(const char *keyword, size_t len)
{
	pthread_once(&options_once, load_options);
	for (const PQconninfoOption *o = options; o && o->keyword; o++)
		if (strlen(o->keyword) == len && memcmp(o->keyword, keyword, len) == 0)
			return o;
	return NULL;
}

bool
lg_option_is_secret(const char *keyword, size_t len)
{
	const PQconninfoOption *o = find_option(keyword, len);

	/* unknown keys and libpq's password-like options ("*") */
	return o == NULL || (o->dispchar != NULL && o->dispchar[0] == '*');
}

/* ------------------------------------------------------------------------
 * the list of secrets
 * ------------------------------------------------------------------------
 */

static void
secrets_add_one(lg_secrets *s, const char *value, size_t len)
{
	char	  **nv;

	if (len == 0)
		return;
	for (int i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && memcmp(s->v[i], value, len) == 0)
			return;
	nv = realloc(s->v, sizeof(char *) * (size_t) (s->n + 1));
	if (nv == NULL)
	{
		s->oom = true;
		return;
	}
	s->v = nv;
	if ((s->v[s->n] = strndup(value, len)) == NULL)
	{
		s->oom = true;
		return;
	}
	s->n++;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/*
 * Add a secret as written and, when it differs, percent-decoded (libpq's
 * messages quote decoded values) and with key=value backslash escapes
 * removed.
 */
void
lg_secrets_add(lg_secrets *s, const char *value, size_t len)
{
	char	   *dec = calloc(len + 1, 1);
	char	   *unesc = calloc(len + 1, 1);
	size_t		d = 0;
	size_t		u = 0;

	secrets_add_one(s, value, len);
	if (dec == NULL || unesc == NULL)
	{
		s->oom = true;
		free(dec);
		free(unesc);
		return;
	}
	for (size_t i = 0; i < len; i++)
	{
		if (value[i] == '%' && i + 2 < len &&
			hexval((unsigned char) value[i + 1]) >= 0 &&
			hexval((unsigned char) value[i + 2]) >= 0)
		{
			dec[d++] = (char) (hexval((unsigned char) value[i + 1]) * 16 +
							   hexval((unsigned char) value[i + 2]));
			i += 2;
		}
		else
			dec[d++] = value[i];
	}
	for (size_t i = 0; i < len; i++)
	{
		if (value[i] == '\\' && i + 1 < len)
			i++;
		unesc[u++] = value[i];
	}
	/* a decoded NUL ends what libpq could show */
	secrets_add_one(s, dec, strnlen(dec, d));
	secrets_add_one(s, unesc, u);
	explicit_bzero(dec, len + 1);
	explicit_bzero(unesc, len + 1);
	free(dec);
	free(unesc);
}

void
lg_secrets_free(lg_secrets *s)
{
	for (int i = 0; i < s->n; i++)
	{
		explicit_bzero(s->v[i], strlen(s->v[i]));
		free(s->v[i]);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/*
 * Replace every occurrence of every secret in msg by "****", longest
 * secrets first (so that a secret containing a shorter one goes whole).
 */
void
lg_secrets_scrub(const lg_secrets *s, char *msg, size_t size)
{
	bool	   *done;

	if (s->n == 0 || size == 0)
		return;
	done = calloc((size_t) s->n, sizeof(bool));
	if (done == NULL)
	{
		snprintf(msg, size, "(message withheld: out of memory)");
		return;
	}
	for (int round = 0; round < s->n; round++)
	{
		int			best = -1;
		size_t		blen = 0;
		size_t		mlen = strlen(msg);
		char	   *out;
		size_t		o = 0;

		for (int i = 0; i < s->n; i++)
			if (!done[i] && (best < 0 || strlen(s->v[i]) > blen))
			{
				best = i;
				blen = strlen(s->v[i]);
			}
		done[best] = true;
		if (strstr(msg, s->v[best]) == NULL)
			continue;
		/* the result is never longer than msg plus 4 bytes per match */
		out = malloc(mlen + 4 * (mlen / blen + 1) + 1);
		if (out == NULL)
		{
			snprintf(msg, size, "(message withheld: out of memory)");
			break;
		}
		for (const char *p = msg; *p;)
		{
			if (strncmp(p, s->v[best], blen) == 0)
			{
				memcpy(out + o, "****", 4);
				o += 4;
				p += blen;
			}
			else
				out[o++] = *p++;
		}
		out[o] = '\0';
		lg_message_fit(msg, size, out);
		explicit_bzero(out, o);
		free(out);
	}
	free(done);
}

/* ------------------------------------------------------------------------
 * scanning a connection string
 * ------------------------------------------------------------------------
 */

/*
 * The scheme of a URL-shaped string: the text before "://" when it holds
 * no space, '=' or quote (so "jdbc:postgresql://" counts).  Returns its
 * length, or 0 when s is not URL-shaped.
 */
size_t
lg_url_scheme_length(const char *s)
{
	const char *sep = strstr(s, "://");

	if (sep == NULL || sep == s)
		return 0;
	for (const char *p = s; p < sep; p++)
		if (isspace((unsigned char) *p) || *p == '=' || *p == '\'' || *p == '"')
			return 0;
	return (size_t) (sep - s);
}

/*
 * Where the user info of a URL ends: the '@' that separates it from the
 * host.  libpq takes the first '@' before the first '/'; a raw '@' in a
 * password would then split it, so lifeguard takes the last '@' before
 * the first '/', and before the first '?' when that '?' follows an '@'
 * (an '@' in a query parameter is not user info).  start is just after
 * "://".  NULL when there is no user info.
 */
const char *
lg_url_userinfo_end(const char *start)
{
	const char *slash = start + strcspn(start, "/");
	const char *q = memchr(start, '?', (size_t) (slash - start));
	const char *last = NULL;
	const char *last_before_q = NULL;

	for (const char *p = start; p < slash; p++)
		if (*p == '@')
		{
			last = p;
			if (q == NULL || p < q)
				last_before_q = p;
		}
	return last_before_q ? last_before_q : last;
}

/*
 * How deep a URL inside a URL's query is still read: a URL whose query
 * names another URL (a redirect, a proxy) is common, one more level is
 * rare.  Each level reads up to three forms of its value (as written,
 * percent-decoded, unescaped), so the work would grow threefold per level;
 * a value nested deeper is a secret whole.
 */
#define LG_URL_MAX_NESTING 3

static void add_nested_url_secrets(lg_secrets *s, const char *p, size_t len,
								   int depth);

/* the query of a URL: each key=value, values of secret keys hidden */
static void
scan_query(const char *q, lg_secrets *s, lg_strbuf *ob, int depth)
{
	while (*q)
	{
		size_t		len = strcspn(q, "&");
		const char *eq = memchr(q, '=', len);

		if (eq == NULL)
		{
			/* a bare word: may be anything */
			lg_secrets_add(s, q, len);
			lg_strbuf_puts(ob, "****");
		}
		else
		{
			size_t		klen = (size_t) (eq - q);
			char		key[64];
			bool		secret;

			/* keys are compared percent-decoded only when plain */
			snprintf(key, sizeof(key), "%.*s", (int) (klen < 63 ? klen : 63), q);
			secret = strcmp(key, "pgbouncer") != 0 &&
				(klen >= 63 || lg_option_is_secret(key, strlen(key)));
			lg_strbuf_putn(ob, q, klen + 1);
			if (secret)
			{
				lg_secrets_add(s, eq + 1, len - klen - 1);
				lg_strbuf_puts(ob, "****");
			}
			else
			{
				lg_strbuf_putn(ob, eq + 1, len - klen - 1);
				add_nested_url_secrets(s, eq + 1, len - klen - 1, depth + 1);
			}
		}
		q += len;
		if (*q == '&')
		{
			lg_strbuf_puts(ob, "&");
			q++;
		}
	}
}

/*
 * A secret of a URL's user info, and each of its prefixes that ends where
 * libpq's key=value reading of the string would cut it (at '@', '=' or a
 * space): a message may quote such a piece.
 */
static void
add_userinfo_secret(lg_secrets *s, const char *p, size_t len)
{
	const char *colon = memchr(p, ':', len);

	lg_secrets_add(s, p, len);
	for (size_t i = 1; i < len; i++)
		if (strchr("@= \t\n\r\f\v", p[i]) != NULL)
			lg_secrets_add(s, p, i);
	/* the password alone (a message may quote the user info encoded) */
	if (colon != NULL && colon + 1 < p + len)
		lg_secrets_add(s, colon + 1, (size_t) (p + len - colon - 1));
}

static bool
scheme_is_postgres(const char *s, size_t len)
{
	return (len == 10 && strncasecmp(s, "postgresql", 10) == 0) ||
		(len == 8 && strncasecmp(s, "postgres", 8) == 0);
}

static void
scan_url(const char *raw, size_t slen, lg_secrets *s, lg_strbuf *ob, int depth)
{
	const char *start = raw + slen + 3;
	const char *at = lg_url_userinfo_end(start);
	const char *rest = start;
	const char *query;

	lg_strbuf_putn(ob, raw, slen + 3);
	if (at != NULL)
	{
		const char *colon = memchr(start, ':', (size_t) (at - start));

		if (!scheme_is_postgres(raw, slen))
		{
			/* any other scheme: the whole user info */
			add_userinfo_secret(s, start, (size_t) (at - start));
			lg_strbuf_puts(ob, "****@");
		}
		else
		{
			const char *uend = colon ? colon : at;

			lg_strbuf_putn(ob, start, (size_t) (uend - start));
			if (colon)
			{
				add_userinfo_secret(s, colon + 1, (size_t) (at - colon - 1));
				lg_strbuf_puts(ob, ":****");
			}
			lg_strbuf_puts(ob, "@");
		}
		rest = at + 1;
	}
	/* an '@' further on is hidden too: its user info is ambiguous */
	{
		const char *slash = rest + strcspn(rest, "/");
		const char *more = memchr(rest, '@', (size_t) (slash - rest));

		if (more != NULL)
		{
			lg_secrets_add(s, rest, (size_t) (more - rest));
			lg_strbuf_puts(ob, "****");
			rest = more;
		}
	}
	query = strchr(rest, '?');
	if (query == NULL)
	{
		lg_strbuf_puts(ob, rest);
		return;
	}
	lg_strbuf_putn(ob, rest, (size_t) (query + 1 - rest));
	scan_query(query + 1, s, ob, depth);
}

/*
 * A URL inside a shown value (or a word that is a URL, when a URL-shaped
 * string is read as key=value): its user info is a secret.  The value is
 * looked at as written and percent-decoded.  depth is how deep such a URL
 * would be (1 in the string's own URL or key=value); deeper than
 * LG_URL_MAX_NESTING, a URL-shaped value is hidden whole.
 */
static void
add_nested_url_secrets(lg_secrets *s, const char *p, size_t len, int depth)
{
	lg_secrets	forms = {0};

	lg_secrets_add(&forms, p, len);
	for (int f = 0; f < forms.n; f++)
	{
		const char *v = forms.v[f];
		size_t		slen = lg_url_scheme_length(v);

		if (slen > 0 && depth > LG_URL_MAX_NESTING)
		{
			/* too deep to read: all of it is hidden */
			lg_secrets_add(s, p, len);
			break;
		}
		if (slen > 0)
		{
			lg_strbuf	none;

			lg_strbuf_fixed(&none, NULL, 0);
			scan_url(v, slen, s, &none, depth);
		}
	}
	if (forms.oom)
		s->oom = true;
	lg_secrets_free(&forms);
}

/* is the word p (len bytes) URL-shaped */
static bool
is_url_word(const char *p, size_t len)
{
	char	   *w = strndup(p, len);
	bool		res = w != NULL && lg_url_scheme_length(w) > 0;

	free(w);
	return res;
}

/* a key=value string, tokenized as libpq does */
static void
scan_keyvalue(const char *raw, lg_secrets *s, lg_strbuf *ob)
{
	const char *p = raw;

	while (*p)
	{
		const char *key;
		size_t		klen;
		const char *val;
		bool		secret;

		if (isspace((unsigned char) *p))
		{
			lg_strbuf_putn(ob, p++, 1);
			continue;
		}
		key = p;
		while (*p && *p != '=' && !isspace((unsigned char) *p))
			p++;
		klen = (size_t) (p - key);
		while (isspace((unsigned char) *p))
			p++;
		if (*p != '=')
		{
			/*
			 * A word that is no key=value: a keyword that lost its '=' is
			 * shown, anything else may be the tail of a password.
			 */
			if (lg_option_is_secret(key, klen) && !is_url_word(key, klen))
			{
				lg_secrets_add(s, key, klen);
				lg_strbuf_puts(ob, "****");
			}
			else
			{
				lg_strbuf_putn(ob, key, klen);
				add_nested_url_secrets(s, key, klen, 1);
			}
			if (*p)
				lg_strbuf_puts(ob, " ");
			continue;
		}
		p++;
		while (isspace((unsigned char) *p))
			p++;
		val = p;
		if (*p == '\'')
		{
			for (p++; *p && *p != '\''; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p == '\'')
				p++;
		}
		else
			for (; *p && !isspace((unsigned char) *p); p++)
				if (*p == '\\' && p[1])
					p++;
		secret = lg_option_is_secret(key, klen);
		lg_strbuf_putn(ob, key, klen);
		lg_strbuf_puts(ob, "=");
		if (secret)
		{
			size_t		vlen = (size_t) (p - val);

			/* the value without its quotes, and with them */
			if (vlen >= 2 && val[0] == '\'' && val[vlen - 1] == '\'')
				lg_secrets_add(s, val + 1, vlen - 2);
			lg_secrets_add(s, val, vlen);
			lg_strbuf_puts(ob, "****");
		}
		else
		{
			lg_strbuf_putn(ob, val, (size_t) (p - val));
			add_nested_url_secrets(s, val, (size_t) (p - val), 1);
		}
	}
}

/*
 * Collect the secrets of a raw connection string into *s and write the
 * string with each secret replaced by "****" into buf (as snprintf).
 */
size_t
lg_redact_conninfo(const char *raw, lg_secrets *s, char *buf, size_t size)
{
	lg_strbuf	ob;
	size_t		slen = lg_url_scheme_length(raw);

	lg_strbuf_fixed(&ob, buf, size);
	if (slen > 0)
	{
		scan_url(raw, slen, s, &ob, 0);
		/* libpq reads anything but its own URIs as key=value: both count */
		if (!(strncmp(raw, "postgresql://", 13) == 0 || strncmp(raw, "postgres://", 11) == 0))
		{
			lg_strbuf	none;

			lg_strbuf_fixed(&none, NULL, 0);
			scan_keyvalue(raw, s, &none);
		}
	}
	else
		scan_keyvalue(raw, s, &ob);
	/* anything a later secret covers that was shown before */
	if (size > 0)
		lg_secrets_scrub(s, buf, size);
	return ob.len;
}

/* ------------------------------------------------------------------------
 * the secrets of a resolved config
 * ------------------------------------------------------------------------
 */

void
lg_config_secrets(const lg_config *c, lg_secrets *s)
{
	for (int i = 0; i < c->nparams; i++)
		if (lg_option_is_secret(c->params[i].keyword, strlen(c->params[i].keyword)))
			lg_secrets_add(s, c->params[i].value, strlen(c->params[i].value));
	for (int i = 0; i < c->nurl; i++)
		if (lg_option_is_secret(c->url[i].keyword, strlen(c->url[i].keyword)))
			lg_secrets_add(s, c->url[i].value, strlen(c->url[i].value));
}

void
lg_config_redact(const lg_config *c, char *msg, size_t size)
{
	lg_secrets	s = {0};

	lg_config_secrets(c, &s);
	if (s.oom)
		snprintf(msg, size, "(message withheld: out of memory)");
	else
		lg_secrets_scrub(&s, msg, size);
	lg_secrets_free(&s);
}
