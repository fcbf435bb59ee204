/*-------------------------------------------------------------------------
 *
 * config_url.c
 *	  The connection string of a configuration: parsed by libpq's
 *	  PQconninfoParse (URI and key=value forms) into the config's url
 *	  parameters, after the Prisma-style query parameter pgbouncer=true is
 *	  removed from a URI and a raw '@' of its user info encoded; and what
 *	  its hosts and ports say (a Neon host, a -pooler host, a port).
 *
 * Every error names the variable; the string is shown redacted, and its
 * secrets are hidden in libpq's own message.
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "config_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Is a connection string a URI (else key=value)? */
bool
lg_conninfo_is_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 ||
		strncmp(s, "postgres://", 11) == 0;
}

/* Parse "1".."65535" */
bool
lg_port_parse(const char *s, size_t len, int *out)
{
	long		v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (!isdigit((unsigned char) s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*out = (int) v;
	return true;
}

/*
 * Remove the query parameter pgbouncer=... from a URI.  Returns a malloc'd
 * copy; *flag is set when it said true.  Any value but true or false is an
 * error.
 */
static lg_status
strip_pgbouncer_param(const char *var, const char *url, char **out,
					  bool *flag, lg_error *err)
{
	const char *q = strchr(url, '?');
	char	   *res;
	size_t		rlen;
	const char *p;
	bool		first = true;

	*flag = false;
	res = malloc(strlen(url) + 1);
	if (res == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	if (q == NULL)
	{
		strcpy(res, url);
		*out = res;
		return LG_OK;
	}
	rlen = (size_t) (q - url);
	memcpy(res, url, rlen);
	p = q + 1;
	while (*p)
	{
		size_t		len = strcspn(p, "&");

		if (len >= 10 && strncmp(p, "pgbouncer=", 10) == 0)
		{
			size_t		vlen = len - 10;

			if (vlen == 4 && strncmp(p + 10, "true", 4) == 0)
				*flag = true;
			else if (!(vlen == 5 && strncmp(p + 10, "false", 5) == 0))
			{
				lg_fail(err, LG_ERR_CONFIG,
						"invalid %s: query parameter \"%.*s\"; pgbouncer must be true or false",
						var, (int) (len > 60 ? 60 : len), p);
				explicit_bzero(res, strlen(url) + 1);
				free(res);
				return LG_ERR_CONFIG;
			}
		}
		else if (len > 0)
		{
			res[rlen++] = first ? '?' : '&';
			memcpy(res + rlen, p, len);
			rlen += len;
			first = false;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	res[rlen] = '\0';
	*out = res;
	return LG_OK;
}

/*
 * A raw '@' in the user info of a URI (a password like "Zq7@part2"):
 * libpq would end the user info at the first '@' and take the rest for the
 * host.  The user info ends at the '@' lg_url_userinfo_end finds (the last
 * one before the host, as node-postgres's URL parser does); any '@' before
 * it is percent-encoded here.  Returns a malloc'd copy, or NULL.
 */
static char *
encode_userinfo_at(const char *url)
{
	const char *start = strstr(url, "://") + 3;
	const char *at = lg_url_userinfo_end(start);
	size_t		n = 0;
	char	   *res;
	char	   *o;

	if (at != NULL)
		for (const char *p = start; p < at; p++)
			n += (*p == '@');
	res = malloc(strlen(url) + 2 * n + 1);
	if (res == NULL)
		return NULL;
	o = res;
	for (const char *p = url; *p; p++)
	{
		if (*p == '@' && p >= start && p < at)
		{
			memcpy(o, "%40", 3);
			o += 3;
		}
		else
			*o++ = *p;
	}
	*o = '\0';
	return res;
}

/*
 * A URI whose part before the first '/' has a ':' but no '@', with an '@'
 * further on: "postgresql://u:pa/ss@h/db" is a password with a raw '/' to
 * a person and host u, port pa, database "ss@h/db" to libpq, which would
 * print half the password as a port or database.  Refused.
 */
static bool
ambiguous_userinfo(const char *url)
{
	const char *start = strstr(url, "://") + 3;
	size_t		auth = strcspn(start, "/");

	return lg_url_userinfo_end(start) == NULL &&
		memchr(start, ':', auth) != NULL && strchr(start + auth, '@') != NULL;
}

/*
 * The first host in brackets whose text is no IPv6 address, or 0.  libpq
 * takes everything between '[' and ']' as the host, past a '/', '?' or
 * '&': "postgresql://[/?sslpassword=x&/]" names one host, a socket
 * directory holding a password, which the outputs would show.  An IPv6
 * address, with its zone after a '%' (percent-encoded or not), is made of
 * letters, digits and ":.%-_~".  The hosts are walked as libpq walks them;
 * *bad is the first byte that does not belong.
 */
static int
bad_bracketed_host(const char *url, char *bad)
{
	const char *p = strstr(url, "://") + 3;
	size_t		auth = strcspn(p, "@/");
	int			n = 0;

	if (p[auth] == '@')
		p += auth + 1;
	for (;;)
	{
		n++;
		if (*p == '[')
		{
			const char *end = strchr(p + 1, ']');

			if (end == NULL)
				return 0;		/* libpq says what is wrong */
			for (const char *h = p + 1; h < end; h++)
				if (!isalnum((unsigned char) *h) && strchr(":.%-_~", *h) == NULL)
				{
					*bad = *h;
					return n;
				}
			p = end + 1;
		}
		p += strcspn(p, "/?,");
		if (*p != ',')
			return 0;
		p++;
	}
}

/* Is host (one entry of a host list) under neon.tech? */
bool
lg_host_is_neon(const char *h, size_t len)
{
	static const char suffix[] = ".neon.tech";
	size_t		slen = sizeof(suffix) - 1;

	while (len > 0 && h[len - 1] == '.')	/* a fully qualified name */
		len--;
	if (len == slen - 1 && strncasecmp(h, suffix + 1, len) == 0)
		return true;
	return len > slen && strncasecmp(h + len - slen, suffix, slen) == 0;
}

/* Does the first label of host end in -pooler? */
bool
lg_host_is_pooler(const char *h, size_t len)
{
	size_t		label = strcspn(h, ".");

	if (label > len)
		label = len;
	return label > 7 && strncasecmp(h + label - 7, "-pooler", 7) == 0;
}

/* Remove "-pooler" from the first label of every host of a list. */
char *
lg_hosts_strip_pooler(const char *hosts)
{
	char	   *res = malloc(strlen(hosts) + 1);
	char	   *o = res;
	const char *p = hosts;

	if (res == NULL)
		return NULL;
	for (;;)
	{
		size_t		len = strcspn(p, ",");

		if (lg_host_is_pooler(p, len))
		{
			size_t		label = strcspn(p, ".");

			if (label > len)
				label = len;
			memcpy(o, p, label - 7);
			o += label - 7;
			memcpy(o, p + label, len - label);
			o += len - label;
		}
		else
		{
			memcpy(o, p, len);
			o += len;
		}
		p += len;
		if (*p != ',')
			break;
		*o++ = *p++;
	}
	*o = '\0';
	return res;
}

/*
 * The error for a connection string libpq refused (raw as given, seen as
 * passed to libpq): its message with every secret of the string hidden, and the string itself, redacted, when it is
 * short enough to read.  A URL-shaped string of another scheme gets a
 * note naming the scheme.
 */
static lg_status
url_parse_error(const char *var, const char *raw, const char *seen,
				const char *errmsg, lg_error *err)
{
	lg_secrets	sec = {0};
	size_t		need = lg_redact_conninfo(raw, &sec, NULL, 0);
	char	   *shown = malloc(need + 1);
	size_t		mlen = strlen(errmsg);
	char	   *msg = malloc(4 * mlen + 64);
	size_t		slen = lg_url_scheme_length(raw);

	if (shown == NULL || msg == NULL || sec.oom)
	{
		free(shown);
		free(msg);
		lg_secrets_free(&sec);
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	}
	/* the secrets of what libpq saw too (a raw '@' encoded, ...) */
	lg_redact_conninfo(seen, &sec, NULL, 0);
	lg_redact_conninfo(raw, &sec, shown, need + 1);
	memcpy(msg, errmsg, mlen + 1);
	lg_one_line(msg);
	lg_secrets_scrub(&sec, msg, 4 * mlen + 64);
	if (need > 200)
		lg_fail(err, LG_ERR_CONFIG, "invalid %s: %s", var, msg);
	else
		lg_fail(err, LG_ERR_CONFIG, "invalid %s \"%s\": %s", var, shown, msg);
	if (slen > 0 && !lg_conninfo_is_uri(raw) && err != NULL)
	{
		char		note[128];

		snprintf(note, sizeof(note), "; the scheme \"%.*s\" is not postgresql:// or postgres://",
				 (int) (slen > 40 ? 40 : slen), raw);
		if (strlen(err->message) + strlen(note) < sizeof(err->message))
			strcat(err->message, note);
		else
		{
			char		tmp[LG_ERROR_MESSAGE_SIZE + 128];

			snprintf(tmp, sizeof(tmp), "%s%s", err->message, note);
			lg_message_fit(err->message, sizeof(err->message), tmp);
		}
	}
	explicit_bzero(msg, 4 * mlen + 64);
	free(msg);
	free(shown);
	lg_secrets_free(&sec);
	return LG_ERR_CONFIG;
}

/*
 * Parse the connection string of variable var with libpq into c->url.
 */
lg_status
lg_url_parse(lg_config *c, const char *var, const char *raw, bool *pgbouncer_flag,
		  lg_error *err)
{
	char	   *url = NULL;
	char	   *errmsg = NULL;
	PQconninfoOption *opts;
	lg_status	st = LG_OK;

	c->is_uri = lg_conninfo_is_uri(raw);
	*pgbouncer_flag = false;
	if (c->is_uri && ambiguous_userinfo(raw))
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s: an \"@\" after the host part makes the user info ambiguous; percent-encode a \"/\" in the password as %%2F and an \"@\" in the database name or a parameter as %%40",
					   var);
	if (c->is_uri)
	{
		char	   *stripped = NULL;

		st = strip_pgbouncer_param(var, raw, &stripped, pgbouncer_flag, err);
		if (st != LG_OK)
			return st;
		url = encode_userinfo_at(stripped);
		lg_wipe_free(stripped);
	}
	else
		url = strdup(raw);
	if (url == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	if (c->is_uri)
	{
		char		bad = 0;
		int			n = bad_bracketed_host(url, &bad);

		if (n > 0)
		{
			char		shown[16];

			lg_wipe_free(url);
			if (isprint((unsigned char) bad))
				snprintf(shown, sizeof(shown), "\"%c\"", bad);
			else
				snprintf(shown, sizeof(shown), "the byte 0x%02X", (unsigned char) bad);
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s: host %d is in brackets, which hold an IPv6 address, but it contains %s, which no IPv6 address does",
						   var, n, shown);
		}
	}

	opts = PQconninfoParse(url, &errmsg);
	if (opts == NULL)
	{
		st = url_parse_error(var, raw, url, errmsg ? errmsg : "out of memory", err);
		PQfreemem(errmsg);
		lg_wipe_free(url);
		return st;
	}
	lg_wipe_free(url);

	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (st == LG_OK && !lg_params_set(&c->url, &c->nurl, o->keyword, o->val))
			st = lg_fail(err, LG_ERR_INTERNAL, "out of memory");
		explicit_bzero(o->val, strlen(o->val));
	}
	PQconninfoFree(opts);
	return st;
}
