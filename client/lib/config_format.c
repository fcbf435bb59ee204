/*-------------------------------------------------------------------------
 *
 * config_format.c
 *	  The output formats of a configuration: its connection string in the
 *	  form it was given (URI or key=value), and a key=value conninfo for
 *	  libpq's tools, each with the secrets shown as "****" (or left out)
 *	  unless asked for.  Both write as snprintf does: the bytes needed are
 *	  returned, and a buffer of size 0 only measures.
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <stdio.h>
#include <string.h>

#include "strbuf.h"

/* a key=value conninfo value, quoted when needed */
static void
sb_kv(lg_strbuf *sb, const char *key, const char *value)
{
	if (sb->len > 0)
		lg_strbuf_puts(sb, " ");
	lg_strbuf_puts(sb, key);
	lg_strbuf_puts(sb, "=");
	if (value[0] != '\0' && strcspn(value, " \t\n\r\f\v'\\") == strlen(value))
	{
		lg_strbuf_puts(sb, value);
		return;
	}
	lg_strbuf_puts(sb, "'");
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'' || *p == '\\')
			lg_strbuf_puts(sb, "\\");
		lg_strbuf_putn(sb, p, 1);
	}
	lg_strbuf_puts(sb, "'");
}

/* does keyword carry a secret (libpq's password-like options) */
static bool
is_secret(const char *keyword)
{
	return lg_option_is_secret(keyword, strlen(keyword));
}

/* one host of a URI authority: IPv6 literals in brackets */
static void
sb_host(lg_strbuf *sb, const char *h, size_t len)
{
	char		tmp[300];

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, h, len);
	tmp[len] = '\0';
	if (memchr(tmp, ':', len))
	{
		/* libpq decodes it: a zone's '%' is written %25 */
		lg_strbuf_puts(sb, "[");
		for (char *seg = tmp;;)
		{
			char	   *colon = strchr(seg, ':');

			if (colon != NULL)
				*colon = '\0';
			lg_strbuf_put_pct(sb, seg);
			if (colon == NULL)
				break;
			lg_strbuf_puts(sb, ":");
			seg = colon + 1;
		}
		lg_strbuf_puts(sb, "]");
	}
	else
		lg_strbuf_put_pct(sb, tmp);
}

size_t
lg_config_format_url(const lg_config *c, bool show_password, char *buf,
					 size_t size)
{
	lg_strbuf	sb;
	const char *user = lg_param_get(c->url, c->nurl, "user");
	const char *password = lg_param_get(c->url, c->nurl, "password");
	const char *hosts = lg_param_get(c->url, c->nurl, "host");
	const char *ports = lg_param_get(c->url, c->nurl, "port");
	const char *dbname = lg_param_get(c->url, c->nurl, "dbname");
	bool		hosts_in_query = hosts && strchr(hosts, '/') != NULL;
	bool		first = true;

	lg_strbuf_fixed(&sb, buf, size);
	if (!c->is_uri)
	{
		for (int i = 0; i < c->nurl; i++)
			sb_kv(&sb, c->url[i].keyword,
				  (!show_password && is_secret(c->url[i].keyword)) ?
				  "****" : c->url[i].value);
		return sb.len;
	}

	lg_strbuf_put_uri_start(&sb, user, password, !show_password);
	if (hosts && !hosts_in_query)
	{
		const char *h = hosts;
		const char *p = ports;

		for (;;)
		{
			size_t		hl = strcspn(h, ",");

			sb_host(&sb, h, hl);
			if (p && *p)
			{
				size_t		pl = strcspn(p, ",");

				if (pl > 0)
				{
					lg_strbuf_puts(&sb, ":");
					lg_strbuf_putn(&sb, p, pl);
				}
				/* a single port applies to every host */
				if (p[pl] == ',')
					p += pl + 1;
			}
			h += hl;
			if (*h != ',')
				break;
			h++;
			lg_strbuf_puts(&sb, ",");
		}
	}
	else if (ports && !hosts_in_query)
	{
		lg_strbuf_puts(&sb, ":");
		lg_strbuf_puts(&sb, ports);
	}
	lg_strbuf_puts(&sb, "/");
	if (dbname)
		lg_strbuf_put_pct(&sb, dbname);
	for (int i = 0; i < c->nurl; i++)
	{
		const char *k = c->url[i].keyword;

		if (strcmp(k, "user") == 0 || strcmp(k, "password") == 0 ||
			strcmp(k, "dbname") == 0)
			continue;
		if (!hosts_in_query && (strcmp(k, "host") == 0 || strcmp(k, "port") == 0))
			continue;
		lg_strbuf_puts(&sb, first ? "?" : "&");
		first = false;
		lg_strbuf_puts(&sb, k);
		lg_strbuf_puts(&sb, "=");
		if (!show_password && is_secret(k))
			lg_strbuf_puts(&sb, "****");
		else
			lg_strbuf_put_pct(&sb, c->url[i].value);
	}
	return sb.len;
}

size_t
lg_config_format_conninfo(const lg_config *c, bool show_password, char *buf,
						  size_t size)
{
	lg_strbuf	sb;
	int			secs = (c->connect_timeout_ms + 999) / 1000;
	char		tbuf[16];

	lg_strbuf_fixed(&sb, buf, size);
	for (int i = 0; i < c->nparams; i++)
	{
		if (!show_password && is_secret(c->params[i].keyword))
			continue;
		sb_kv(&sb, c->params[i].keyword, c->params[i].value);
	}
	if (secs < 2)
		secs = 2;
	snprintf(tbuf, sizeof(tbuf), "%d", secs);
	sb_kv(&sb, "connect_timeout", tbuf);
	return sb.len;
}
