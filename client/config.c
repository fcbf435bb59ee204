/*-------------------------------------------------------------------------
 *
 * config.c
 *	  Resolution of the client configuration: the connection string from
 *	  DATABASE_URL (or DIRECT_URL), the environment profile, overrides, and
 *	  driver and pool-mode detection, with strict validation.
 *
 * The connection string is parsed by libpq's PQconninfoParse (URI and
 * key=value forms).  The Prisma-style query parameter pgbouncer=true is
 * removed from a URI before libpq sees it.  Every error names the variable
 * and the value; a value that may hold a password is shown redacted.
 *
 * No shared state: a config is built by one thread and immutable after.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern char **environ;

typedef struct profile
{
	const char *name;
	const char *suffix;
	int			max;
	int			idle_timeout_ms;
	int			connect_timeout_ms;
	bool		keepalive;
} profile;

/* The profiles of docs/client.md, indexed by lg_environment. */
static const profile profiles[] = {
	[LG_ENV_PRODUCTION] = {"production", "prod", 20, 30000, 10000, true},
	[LG_ENV_STAGING] = {"staging", "staging", 15, 30000, 10000, true},
	[LG_ENV_DEVELOPMENT] = {"development", "dev", 5, 30000, 10000, false},
	[LG_ENV_TEST] = {"test", "test", 3, 5000, 5000, false},
};

#define NAMEDATALEN_MAX 63		/* longest application_name the server keeps */

const char *
lg_environment_name(lg_environment env)
{
	return profiles[env].name;
}

const char *
lg_driver_name(lg_driver driver)
{
	switch (driver)
	{
		case LG_DRIVER_PG:
			return "pg";
		case LG_DRIVER_NEON:
			return "neon";
		case LG_DRIVER_PGBOUNCER:
			return "pgbouncer";
	}
	return "?";
}

const char *
lg_pool_mode_name(lg_pool_mode mode)
{
	return mode == LG_POOL_TRANSACTION ? "transaction" : "session";
}

/* ------------------------------------------------------------------------
 * small helpers
 * ------------------------------------------------------------------------
 */

static const char *
getvar(const char *const *env, const char *name)
{
	size_t		len = strlen(name);

	if (env == NULL)
		env = (const char *const *) environ;
	if (env == NULL)
		return NULL;
	for (; *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *
lg_param_get(const lg_param *params, int n, const char *keyword)
{
	for (int i = 0; i < n; i++)
		if (strcmp(params[i].keyword, keyword) == 0)
			return params[i].value;
	return NULL;
}

static bool
is_uri(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 ||
		strncmp(s, "postgres://", 11) == 0;
}

/*
 * The password a URI may carry in its user info (scheme://user:PW@host),
 * found textually, so that it can be scrubbed from libpq's messages even
 * when the URI does not parse.  Returns a malloc'd copy or NULL.
 */
static char *
uri_userinfo_password(const char *url)
{
	const char *start = strstr(url, "://");
	const char *end;
	const char *at = NULL;
	const char *colon;

	if (start == NULL)
		return NULL;
	start += 3;
	end = start + strcspn(start, "/?");
	for (const char *p = start; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return NULL;
	colon = memchr(start, ':', (size_t) (at - start));
	if (colon == NULL || colon + 1 == at)
		return NULL;
	return strndup(colon + 1, (size_t) (at - colon - 1));
}

/*
 * Strip every "..." token from msg when the string it came from may hold a
 * password: libpq quotes pieces of the input in its parse errors.
 */
static void
scrub_quoted(char *msg, size_t size)
{
	char		out[LG_ERROR_MESSAGE_SIZE];
	size_t		o = 0;
	bool		inq = false;

	for (const char *p = msg; *p && o + 6 < sizeof(out); p++)
	{
		if (*p == '"')
		{
			if (!inq)
			{
				memcpy(out + o, "\"****", 5);
				o += 5;
			}
			else
				out[o++] = '"';
			inq = !inq;
			continue;
		}
		if (!inq)
			out[o++] = *p;
	}
	out[o] = '\0';
	snprintf(msg, size, "%s", out);
}

/* Does a key=value string mention a password at all? */
static bool
mentions_password(const char *s)
{
	return strstr(s, "password") != NULL || strstr(s, "PASSWORD") != NULL;
}

/* ------------------------------------------------------------------------
 * numbers
 * ------------------------------------------------------------------------
 */

/*
 * Parse a strictly decimal integer in [minval, maxval] from variable name.
 * No sign, no spaces, no units, no silent default.
 */
static lg_status
parse_setting_range(const char *name, const char *value, int minval, int maxval,
					int *out, lg_error *err)
{
	const char *p = value;
	long long	v = 0;
	bool		overflow = false;

	if (*value == '\0')
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"\": empty; expected an integer from %d to %d",
					   name, minval, maxval);
	if (*p == '-' && p[1] != '\0' && strspn(p + 1, "0123456789") == strlen(p + 1))
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": negative; expected an integer from %d to %d",
					   name, value, minval, maxval);
	if (strspn(p, "0123456789") != strlen(p))
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": not a whole number; expected an integer from %d to %d",
					   name, value, minval, maxval);
	for (; *p; p++)
	{
		if (v > (LLONG_MAX - 9) / 10)
		{
			overflow = true;
			break;
		}
		v = v * 10 + (*p - '0');
	}
	if (!overflow && v < minval)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": zero; expected an integer from %d to %d",
					   name, value, minval, maxval);
	if (overflow || v > maxval)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": out of range; expected an integer from %d to %d",
					   name, value, minval, maxval);
	*out = (int) v;
	return LG_OK;
}

/* The same in [1, maxval]: the settings where zero means nothing useful. */
static lg_status
parse_setting(const char *name, const char *value, int maxval, int *out,
			  lg_error *err)
{
	return parse_setting_range(name, value, 1, maxval, out, err);
}

/* Parse "1".."65535" */
static bool
parse_port(const char *s, size_t len, int *out)
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

/* ------------------------------------------------------------------------
 * the connection string
 * ------------------------------------------------------------------------
 */

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

/* Is host (one entry of a host list) under neon.tech? */
static bool
host_is_neon(const char *h, size_t len)
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
static bool
host_is_pooler(const char *h, size_t len)
{
	size_t		label = strcspn(h, ".");

	if (label > len)
		label = len;
	return label > 7 && strncasecmp(h + label - 7, "-pooler", 7) == 0;
}

/* Remove "-pooler" from the first label of every host of a list. */
static char *
strip_pooler(const char *hosts)
{
	char	   *res = malloc(strlen(hosts) + 1);
	char	   *o = res;
	const char *p = hosts;

	if (res == NULL)
		return NULL;
	for (;;)
	{
		size_t		len = strcspn(p, ",");

		if (host_is_pooler(p, len))
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

static void
free_params(lg_param *params, int n)
{
	if (params == NULL)
		return;
	for (int i = 0; i < n; i++)
	{
		if (params[i].value && params[i].keyword &&
			strcmp(params[i].keyword, "password") == 0)
			memset(params[i].value, 0, strlen(params[i].value));
		free(params[i].keyword);
		free(params[i].value);
	}
	free(params);
}

void
lg_config_free(lg_config *c)
{
	if (c == NULL)
		return;
	free_params(c->url, c->nurl);
	free_params(c->params, c->nparams);
	free(c->keywords);
	free(c->values);
	free(c->application_name);
	free(c->sslmode);
	free(c);
}

/* Set or add keyword in a malloc'd params array. */
static bool
params_set(lg_param **params, int *n, const char *keyword, const char *value)
{
	lg_param   *np;

	for (int i = 0; i < *n; i++)
		if (strcmp((*params)[i].keyword, keyword) == 0)
		{
			char	   *v = strdup(value);

			if (v == NULL)
				return false;
			free((*params)[i].value);
			(*params)[i].value = v;
			return true;
		}
	np = realloc(*params, sizeof(lg_param) * (size_t) (*n + 1));
	if (np == NULL)
		return false;
	*params = np;
	np[*n].keyword = strdup(keyword);
	np[*n].value = strdup(value);
	if (np[*n].keyword == NULL || np[*n].value == NULL)
	{
		free(np[*n].keyword);
		free(np[*n].value);
		return false;
	}
	(*n)++;
	return true;
}

/*
 * Parse the connection string of variable var with libpq into c->url.
 */
static lg_status
parse_url(lg_config *c, const char *var, const char *raw, bool *pgbouncer_flag,
		  lg_error *err)
{
	char	   *url = NULL;
	char	   *errmsg = NULL;
	PQconninfoOption *opts;
	lg_status	st;

	c->is_uri = is_uri(raw);
	*pgbouncer_flag = false;
	if (c->is_uri)
	{
		st = strip_pgbouncer_param(var, raw, &url, pgbouncer_flag, err);
		if (st != LG_OK)
			return st;
	}
	else
	{
		url = strdup(raw);
		if (url == NULL)
			return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	}

	opts = PQconninfoParse(url, &errmsg);
	if (opts == NULL)
	{
		char		msg[LG_ERROR_MESSAGE_SIZE];
		char	   *pw = c->is_uri ? uri_userinfo_password(raw) : NULL;
		bool		secret = pw != NULL || mentions_password(raw);

		snprintf(msg, sizeof(msg), "%s", errmsg ? errmsg : "out of memory");
		lg_one_line(msg);
		if (secret)
			scrub_quoted(msg, sizeof(msg));
		if (secret || strlen(raw) > 200)
			lg_fail(err, LG_ERR_CONFIG, "invalid %s: %s", var, msg);
		else
			lg_fail(err, LG_ERR_CONFIG, "invalid %s \"%s\": %s", var, raw, msg);
		if (pw)
		{
			memset(pw, 0, strlen(pw));
			free(pw);
		}
		PQfreemem(errmsg);
		free(url);
		return LG_ERR_CONFIG;
	}
	memset(url, 0, strlen(url));
	free(url);

	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (!params_set(&c->url, &c->nurl, o->keyword, o->val))
		{
			PQconninfoFree(opts);
			return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
		}
	}
	PQconninfoFree(opts);
	return LG_OK;
}

/*
 * The redacted connection string, for error messages.
 */
static const char *
redacted(const lg_config *c, char *buf, size_t size)
{
	lg_config_format_url(c, false, buf, size);
	return buf;
}

/* ------------------------------------------------------------------------
 * resolution
 * ------------------------------------------------------------------------
 */

static lg_status
resolve(const char *const *env, int options, lg_config *c, lg_error *err)
{
	const char *database_url = getvar(env, "DATABASE_URL");
	const char *direct_url = getvar(env, "DIRECT_URL");
	const char *raw;
	const char *var;
	const char *v;
	const char *envvar;
	const char *driver_s;
	const char *neon_s;
	const char *mode_s;
	const char *app;
	const char *hosts;
	const char *ports;
	const char *url_sslmode;
	const char *url_appname;
	const char *url_keepalives;
	bool		direct = (options & LG_CONFIG_DIRECT) != 0;
	bool		pgbouncer_flag;
	bool		neon_host = false;
	bool		pooler_host = false;
	bool		port_6432 = false;
	bool		force_neon = false;
	bool		derive_direct = false;
	enum
	{
		DRV_AUTO, DRV_PG, DRV_NEON, DRV_PGBOUNCER
	}			want_driver = DRV_AUTO;
	const profile *prof;
	char		buf[LG_ERROR_MESSAGE_SIZE];
	lg_status	st;

	/* which connection string */
	if (direct && direct_url != NULL)
	{
		raw = direct_url;
		var = "DIRECT_URL";
	}
	else if (database_url != NULL)
	{
		raw = database_url;
		var = "DATABASE_URL";
		derive_direct = direct;
	}
	else if (direct_url != NULL)
	{
		raw = direct_url;
		var = "DIRECT_URL";
	}
	else
		return lg_fail(err, LG_ERR_CONFIG,
					   "no connection string: set DATABASE_URL (or DIRECT_URL)");
	if (raw[0] == '\0')
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"\": empty; expected a connection string", var);
	c->source = var;

	/* the environment and its profile */
	envvar = "APP_ENV";
	v = getvar(env, "APP_ENV");
	if (v == NULL)
	{
		envvar = "NODE_ENV";
		v = getvar(env, "NODE_ENV");
	}
	c->environment = LG_ENV_DEVELOPMENT;
	if (v != NULL)
	{
		bool		found = false;

		for (int i = 0; i < (int) (sizeof(profiles) / sizeof(profiles[0])); i++)
			if (strcmp(v, profiles[i].name) == 0)
			{
				c->environment = (lg_environment) i;
				found = true;
			}
		if (!found)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s \"%.100s\": unknown environment; expected production, staging, development or test",
						   envvar, v);
	}
	prof = &profiles[c->environment];

	/* driver choice */
	driver_s = getvar(env, "DATABASE_DRIVER");
	if (driver_s != NULL)
	{
		if (strcmp(driver_s, "auto") == 0)
			want_driver = DRV_AUTO;
		else if (strcmp(driver_s, "pg") == 0)
			want_driver = DRV_PG;
		else if (strcmp(driver_s, "neon") == 0)
			want_driver = DRV_NEON;
		else if (strcmp(driver_s, "pgbouncer") == 0)
			want_driver = DRV_PGBOUNCER;
		else
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid DATABASE_DRIVER \"%.100s\": unknown driver; expected auto, pg, neon or pgbouncer",
						   driver_s);
	}
	neon_s = getvar(env, "NEON_DATABASE");
	if (neon_s != NULL)
	{
		if (strcmp(neon_s, "true") == 0)
			force_neon = true;
		else if (strcmp(neon_s, "false") != 0)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid NEON_DATABASE \"%.100s\": expected true or false",
						   neon_s);
	}
	if (force_neon && (want_driver == DRV_PG || want_driver == DRV_PGBOUNCER))
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid DATABASE_DRIVER \"%s\": conflicts with NEON_DATABASE=true",
					   driver_s);
	mode_s = getvar(env, "DATABASE_POOL_MODE");
	if (mode_s != NULL && strcmp(mode_s, "session") != 0 &&
		strcmp(mode_s, "transaction") != 0)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid DATABASE_POOL_MODE \"%.100s\": unknown pool mode; expected session or transaction",
					   mode_s);

	/* settings: profile, then overrides */
	c->max = prof->max;
	c->idle_timeout_ms = prof->idle_timeout_ms;
	c->connect_timeout_ms = prof->connect_timeout_ms;
	c->keepalive = prof->keepalive;
	if ((v = getvar(env, "DATABASE_POOL_MAX")) != NULL &&
		(st = parse_setting("DATABASE_POOL_MAX", v, LG_MAX_POOL_MAX, &c->max, err)) != LG_OK)
		return st;
	if ((v = getvar(env, "DATABASE_POOL_IDLE_TIMEOUT")) != NULL &&
		(st = parse_setting("DATABASE_POOL_IDLE_TIMEOUT", v, LG_MAX_IDLE_TIMEOUT_MS,
							&c->idle_timeout_ms, err)) != LG_OK)
		return st;
	if ((v = getvar(env, "DATABASE_CONNECTION_TIMEOUT")) != NULL &&
		(st = parse_setting("DATABASE_CONNECTION_TIMEOUT", v, LG_MAX_CONNECT_TIMEOUT_MS,
							&c->connect_timeout_ms, err)) != LG_OK)
		return st;
	/* the checkout health check and the lifetime: 0 is meaningful */
	c->health_check_after_ms = LG_DEFAULT_HEALTH_CHECK_AFTER_MS;
	c->max_lifetime_ms = LG_DEFAULT_MAX_LIFETIME_MS;
	if ((v = getvar(env, "DATABASE_POOL_HEALTH_CHECK_AFTER")) != NULL &&
		(st = parse_setting_range("DATABASE_POOL_HEALTH_CHECK_AFTER", v, 0,
								  LG_MAX_HEALTH_CHECK_AFTER_MS,
								  &c->health_check_after_ms, err)) != LG_OK)
		return st;
	if ((v = getvar(env, "DATABASE_POOL_MAX_LIFETIME")) != NULL &&
		(st = parse_setting_range("DATABASE_POOL_MAX_LIFETIME", v, 0,
								  LG_MAX_MAX_LIFETIME_MS,
								  &c->max_lifetime_ms, err)) != LG_OK)
		return st;

	/* application_name base */
	app = getvar(env, "APP_NAME");
	if (app == NULL)
		app = "app";
	else
	{
		if (app[0] == '\0')
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid APP_NAME \"\": empty; expected a name of printable ASCII characters");
		for (const char *p = app; *p; p++)
			if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
				return lg_fail(err, LG_ERR_CONFIG,
							   "invalid APP_NAME: contains a character outside printable ASCII (the server would replace it with \"?\")");
		if (strlen(app) + 1 + strlen(prof->suffix) > NAMEDATALEN_MAX)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid APP_NAME \"%.100s\": too long; application_name \"%s-%s\" would exceed %d bytes and be truncated by the server",
						   app, app, prof->suffix, NAMEDATALEN_MAX);
	}

	/* the connection string */
	st = parse_url(c, var, raw, &pgbouncer_flag, err);
	if (st != LG_OK)
		return st;

	/*
	 * The URL's connect_timeout (whole seconds) counts unless
	 * DATABASE_CONNECTION_TIMEOUT overrides it; 0 ("wait forever") is
	 * refused like every other zero.
	 */
	if ((v = lg_param_get(c->url, c->nurl, "connect_timeout")) != NULL &&
		getvar(env, "DATABASE_CONNECTION_TIMEOUT") == NULL)
	{
		int			secs;
		char		name[64];

		snprintf(name, sizeof(name), "connect_timeout of %s", var);
		if ((st = parse_setting(name, v, LG_MAX_CONNECT_TIMEOUT_MS / 1000, &secs, err)) != LG_OK)
			return st;
		c->connect_timeout_ms = secs * 1000;
	}

	hosts = lg_param_get(c->url, c->nurl, "host");
	ports = lg_param_get(c->url, c->nurl, "port");
	if (ports != NULL)
	{
		const char *p = ports;

		for (;;)
		{
			size_t		len = strcspn(p, ",");
			int			port;

			if (!parse_port(p, len, &port))
				return lg_fail(err, LG_ERR_CONFIG,
							   "invalid %s \"%s\": port \"%.*s\" is not a number from 1 to 65535",
							   var, redacted(c, buf, sizeof(buf)),
							   (int) (len > 20 ? 20 : len), p);
			if (port == 6432)
				port_6432 = true;
			p += len;
			if (*p != ',')
				break;
			p++;
		}
	}
	if (hosts != NULL)
	{
		const char *p = hosts;
		bool		first = true;

		for (;;)
		{
			size_t		len = strcspn(p, ",");

			if (host_is_neon(p, len))
			{
				neon_host = true;
				if (first && host_is_pooler(p, len))
					pooler_host = true;
			}
			first = false;
			p += len;
			if (*p != ',')
				break;
			p++;
		}
	}

	/* driver and pool mode */
	switch (want_driver)
	{
		case DRV_PG:
			c->driver = LG_DRIVER_PG;
			break;
		case DRV_NEON:
			c->driver = LG_DRIVER_NEON;
			break;
		case DRV_PGBOUNCER:
			c->driver = LG_DRIVER_PGBOUNCER;
			break;
		case DRV_AUTO:
			if (force_neon || neon_host)
				c->driver = LG_DRIVER_NEON;
			else if (port_6432 || pgbouncer_flag)
				c->driver = LG_DRIVER_PGBOUNCER;
			else
				c->driver = LG_DRIVER_PG;
			break;
	}
	if (force_neon)
		c->driver = LG_DRIVER_NEON;
	switch (c->driver)
	{
		case LG_DRIVER_PG:
			c->pool_mode = LG_POOL_SESSION;
			break;
		case LG_DRIVER_PGBOUNCER:
			c->pool_mode = LG_POOL_TRANSACTION;
			break;
		case LG_DRIVER_NEON:
			c->pool_mode = (pooler_host || pgbouncer_flag) ?
				LG_POOL_TRANSACTION : LG_POOL_SESSION;
			break;
	}
	if (mode_s != NULL)
		c->pool_mode = strcmp(mode_s, "transaction") == 0 ?
			LG_POOL_TRANSACTION : LG_POOL_SESSION;

	/*
	 * The direct connection: DIRECT_URL as given, or DATABASE_URL when it
	 * does not go through a pooler, or a Neon -pooler host minus -pooler.
	 */
	if (direct)
	{
		if (!derive_direct && (pooler_host || port_6432 || pgbouncer_flag))
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid DIRECT_URL \"%s\": it points at a pooler (%s); DIRECT_URL must be the unpooled connection",
						   redacted(c, buf, sizeof(buf)),
						   pooler_host ? "a -pooler host" :
						   port_6432 ? "port 6432" : "pgbouncer=true");
		if (derive_direct)
		{
			if (c->driver == LG_DRIVER_NEON && pooler_host)
			{
				char	   *h = strip_pooler(hosts);

				if (h == NULL || !params_set(&c->url, &c->nurl, "host", h))
				{
					free(h);
					return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
				}
				free(h);
			}
			else if (c->driver == LG_DRIVER_PGBOUNCER ||
					 c->pool_mode == LG_POOL_TRANSACTION)
				return lg_fail(err, LG_ERR_CONFIG,
							   "invalid DATABASE_URL \"%s\" for --direct: it goes through a %s pooler and DIRECT_URL is not set",
							   redacted(c, buf, sizeof(buf)),
							   c->driver == LG_DRIVER_PGBOUNCER ? "PgBouncer" : "transaction");
		}
		if (c->driver != LG_DRIVER_NEON)
			c->driver = LG_DRIVER_PG;
		c->pool_mode = LG_POOL_SESSION;
	}

	/* TLS */
	url_sslmode = lg_param_get(c->url, c->nurl, "sslmode");
	if (url_sslmode != NULL &&
		strcmp(url_sslmode, "disable") != 0 && strcmp(url_sslmode, "allow") != 0 &&
		strcmp(url_sslmode, "prefer") != 0 && strcmp(url_sslmode, "require") != 0 &&
		strcmp(url_sslmode, "verify-ca") != 0 && strcmp(url_sslmode, "verify-full") != 0)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": unknown sslmode \"%.40s\"; expected disable, allow, prefer, require, verify-ca or verify-full",
					   var, redacted(c, buf, sizeof(buf)), url_sslmode);
	if (c->driver == LG_DRIVER_NEON)
	{
		if (url_sslmode != NULL &&
			(strcmp(url_sslmode, "disable") == 0 || strcmp(url_sslmode, "allow") == 0 ||
			 strcmp(url_sslmode, "prefer") == 0))
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s \"%s\": sslmode=%s on a Neon host; Neon requires TLS (use sslmode=require or verify-full)",
						   var, redacted(c, buf, sizeof(buf)), url_sslmode);
		c->sslmode = strdup(url_sslmode ? url_sslmode : "require");
	}
	else
		c->sslmode = strdup(url_sslmode ? url_sslmode : "prefer");

	/* what transaction pooling cannot carry */
	if (c->pool_mode == LG_POOL_TRANSACTION &&
		(v = lg_param_get(c->url, c->nurl, "options")) != NULL)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s: options=\"%.100s\" in transaction pooling; a transaction pooler does not pass startup options to the server (set them per role with ALTER ROLE ... SET)",
					   var, v);

	/* application_name and keepalives: the URL's own, else the profile's */
	url_appname = lg_param_get(c->url, c->nurl, "application_name");
	if (url_appname != NULL)
		c->application_name = strdup(url_appname);
	else
	{
		size_t		len = strlen(app) + strlen(prof->suffix) + 2;

		c->application_name = malloc(len);
		if (c->application_name)
			snprintf(c->application_name, len, "%s-%s", app, prof->suffix);
	}
	url_keepalives = lg_param_get(c->url, c->nurl, "keepalives");
	if (url_keepalives != NULL)
	{
		if (strcmp(url_keepalives, "0") == 0)
			c->keepalive = false;
		else if (strcmp(url_keepalives, "1") == 0)
			c->keepalive = true;
		else
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s \"%s\": keepalives must be 0 or 1",
						   var, redacted(c, buf, sizeof(buf)));
	}
	if (c->sslmode == NULL || c->application_name == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");

	/* the parameters libpq gets */
	for (int i = 0; i < c->nurl; i++)
		if (!params_set(&c->params, &c->nparams, c->url[i].keyword, c->url[i].value))
			return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	if (!params_set(&c->params, &c->nparams, "application_name", c->application_name) ||
		!params_set(&c->params, &c->nparams, "sslmode", c->sslmode) ||
		!params_set(&c->params, &c->nparams, "keepalives", c->keepalive ? "1" : "0"))
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	/* the pool enforces its own, millisecond, connect deadline */
	for (int i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].keyword, "connect_timeout") == 0)
		{
			free(c->params[i].keyword);
			free(c->params[i].value);
			c->params[i] = c->params[--c->nparams];
			break;
		}
	c->keywords = calloc((size_t) c->nparams + 1, sizeof(char *));
	c->values = calloc((size_t) c->nparams + 1, sizeof(char *));
	if (c->keywords == NULL || c->values == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	for (int i = 0; i < c->nparams; i++)
	{
		c->keywords[i] = c->params[i].keyword;
		c->values[i] = c->params[i].value;
	}

	/* the first host and port, for display */
	c->host = NULL;
	hosts = lg_param_get(c->url, c->nurl, "host");
	if (hosts == NULL)
		hosts = lg_param_get(c->url, c->nurl, "hostaddr");
	/*
	 * The statement cache of lg_conn_query: named prepared statements, so
	 * opt-in, and never under transaction pooling.  Off by default because
	 * a named statement is exactly what lifeguard's own pooling audit
	 * reports (and refuses under lifeguard.enforce = error).
	 */
	if ((v = getvar(env, "DATABASE_STATEMENT_CACHE")) != NULL)
	{
		if (strcmp(v, "on") == 0)
			c->statement_cache = true;
		else if (strcmp(v, "off") != 0)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid DATABASE_STATEMENT_CACHE \"%.100s\": expected on or off",
						   v);
		if (c->statement_cache && c->pool_mode == LG_POOL_TRANSACTION)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid DATABASE_STATEMENT_CACHE \"on\": the pool mode is transaction, where named prepared statements break; use off");
	}

	c->host = hosts;
	c->port = 5432;
	if (ports != NULL)
		parse_port(ports, strcspn(ports, ","), &c->port);
	c->database = lg_param_get(c->url, c->nurl, "dbname");
	c->user = lg_param_get(c->url, c->nurl, "user");
	c->password = lg_param_get(c->url, c->nurl, "password");
	if (c->database == NULL)
		c->database = c->user;
	return LG_OK;
}

lg_status
lg_config_resolve(const char *const *env, int options, lg_config **out,
				  lg_error *err)
{
	lg_config  *c = calloc(1, sizeof(lg_config));
	lg_status	st;

	*out = NULL;
	if (c == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	st = resolve(env, options, c, err);
	if (st != LG_OK)
	{
		lg_config_free(c);
		return st;
	}
	*out = c;
	if (err)
	{
		err->status = LG_OK;
		err->sqlstate[0] = '\0';
		err->message[0] = '\0';
	}
	return LG_OK;
}

/* ------------------------------------------------------------------------
 * accessors
 * ------------------------------------------------------------------------
 */

const char *
lg_config_source(const lg_config *c)
{
	return c->source;
}

lg_environment
lg_config_environment(const lg_config *c)
{
	return c->environment;
}

lg_driver
lg_config_driver(const lg_config *c)
{
	return c->driver;
}

lg_pool_mode
lg_config_pool_mode(const lg_config *c)
{
	return c->pool_mode;
}

int
lg_config_max(const lg_config *c)
{
	return c->max;
}

int
lg_config_idle_timeout_ms(const lg_config *c)
{
	return c->idle_timeout_ms;
}

int
lg_config_connect_timeout_ms(const lg_config *c)
{
	return c->connect_timeout_ms;
}

int
lg_config_health_check_after_ms(const lg_config *c)
{
	return c->health_check_after_ms;
}

int
lg_config_max_lifetime_ms(const lg_config *c)
{
	return c->max_lifetime_ms;
}

bool
lg_config_keepalive(const lg_config *c)
{
	return c->keepalive;
}

const char *
lg_config_application_name(const lg_config *c)
{
	return c->application_name;
}

const char *
lg_config_sslmode(const lg_config *c)
{
	return c->sslmode;
}

const char *
lg_config_host(const lg_config *c)
{
	return c->host;
}

int
lg_config_port(const lg_config *c)
{
	return c->port;
}

const char *
lg_config_database(const lg_config *c)
{
	return c->database;
}

const char *
lg_config_user(const lg_config *c)
{
	return c->user;
}

bool
lg_config_has_password(const lg_config *c)
{
	return c->password != NULL;
}

const char *
lg_config_password(const lg_config *c)
{
	return c->password;
}

bool
lg_config_is_uri(const lg_config *c)
{
	return c->is_uri;
}

bool
lg_config_prepared_statements(const lg_config *c)
{
	return c->pool_mode == LG_POOL_SESSION;
}

bool
lg_config_statement_cache(const lg_config *c)
{
	return c->statement_cache;
}

bool
lg_config_session_settings(const lg_config *c)
{
	return c->pool_mode == LG_POOL_SESSION;
}

void
lg_config_foreach_param(const lg_config *c, lg_param_fn fn, void *arg)
{
	for (int i = 0; i < c->nparams; i++)
		fn(c->params[i].keyword, c->params[i].value, arg);
}

/* ------------------------------------------------------------------------
 * formatting
 * ------------------------------------------------------------------------
 */

typedef struct sbuf
{
	char	   *buf;
	size_t		size;
	size_t		len;			/* bytes wanted so far */
} sbuf;

static void
sb_putn(sbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, sb->len++)
		if (sb->len + 1 < sb->size)
			sb->buf[sb->len] = s[i];
	if (sb->size > 0)
		sb->buf[sb->len < sb->size ? sb->len : sb->size - 1] = '\0';
}

static void
sb_puts(sbuf *sb, const char *s)
{
	sb_putn(sb, s, strlen(s));
}

/* percent-encode everything but RFC 3986 unreserved characters */
static void
sb_pct(sbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++)
	{
		unsigned char ch = (unsigned char) *s;

		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')
			sb_putn(sb, (const char *) &ch, 1);
		else
		{
			char		e[3] = {'%', hex[ch >> 4], hex[ch & 15]};

			sb_putn(sb, e, 3);
		}
	}
}

/* a key=value conninfo value, quoted when needed */
static void
sb_kv(sbuf *sb, const char *key, const char *value)
{
	if (sb->len > 0)
		sb_puts(sb, " ");
	sb_puts(sb, key);
	sb_puts(sb, "=");
	if (value[0] != '\0' && strcspn(value, " \t\n\r\f\v'\\") == strlen(value))
	{
		sb_puts(sb, value);
		return;
	}
	sb_puts(sb, "'");
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'' || *p == '\\')
			sb_puts(sb, "\\");
		sb_putn(sb, p, 1);
	}
	sb_puts(sb, "'");
}

/* one host of a URI authority: IPv6 literals in brackets */
static void
sb_host(sbuf *sb, const char *h, size_t len)
{
	char		tmp[300];

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, h, len);
	tmp[len] = '\0';
	if (memchr(tmp, ':', len))
	{
		sb_puts(sb, "[");
		sb_puts(sb, tmp);
		sb_puts(sb, "]");
	}
	else
		sb_pct(sb, tmp);
}

size_t
lg_config_format_url(const lg_config *c, bool show_password, char *buf,
					 size_t size)
{
	sbuf		sb = {buf, size, 0};
	const char *user = lg_param_get(c->url, c->nurl, "user");
	const char *password = lg_param_get(c->url, c->nurl, "password");
	const char *hosts = lg_param_get(c->url, c->nurl, "host");
	const char *ports = lg_param_get(c->url, c->nurl, "port");
	const char *dbname = lg_param_get(c->url, c->nurl, "dbname");
	bool		hosts_in_query = hosts && strchr(hosts, '/') != NULL;
	bool		first = true;

	if (size > 0)
		buf[0] = '\0';
	if (!c->is_uri)
	{
		for (int i = 0; i < c->nurl; i++)
			sb_kv(&sb, c->url[i].keyword,
				  (!show_password && strcmp(c->url[i].keyword, "password") == 0) ?
				  "****" : c->url[i].value);
		return sb.len;
	}

	sb_puts(&sb, "postgresql://");
	if (user || password)
	{
		if (user)
			sb_pct(&sb, user);
		if (password)
		{
			sb_puts(&sb, ":");
			if (show_password)
				sb_pct(&sb, password);
			else
				sb_puts(&sb, "****");
		}
		sb_puts(&sb, "@");
	}
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
					sb_puts(&sb, ":");
					sb_putn(&sb, p, pl);
				}
				/* a single port applies to every host */
				if (p[pl] == ',')
					p += pl + 1;
			}
			h += hl;
			if (*h != ',')
				break;
			h++;
			sb_puts(&sb, ",");
		}
	}
	else if (ports && !hosts_in_query)
	{
		sb_puts(&sb, ":");
		sb_puts(&sb, ports);
	}
	sb_puts(&sb, "/");
	if (dbname)
		sb_pct(&sb, dbname);
	for (int i = 0; i < c->nurl; i++)
	{
		const char *k = c->url[i].keyword;

		if (strcmp(k, "user") == 0 || strcmp(k, "password") == 0 ||
			strcmp(k, "dbname") == 0)
			continue;
		if (!hosts_in_query && (strcmp(k, "host") == 0 || strcmp(k, "port") == 0))
			continue;
		sb_puts(&sb, first ? "?" : "&");
		first = false;
		sb_puts(&sb, k);
		sb_puts(&sb, "=");
		sb_pct(&sb, c->url[i].value);
	}
	return sb.len;
}

size_t
lg_config_format_conninfo(const lg_config *c, bool show_password, char *buf,
						  size_t size)
{
	sbuf		sb = {buf, size, 0};
	int			secs = (c->connect_timeout_ms + 999) / 1000;
	char		tbuf[16];

	if (size > 0)
		buf[0] = '\0';
	for (int i = 0; i < c->nparams; i++)
	{
		if (!show_password && strcmp(c->params[i].keyword, "password") == 0)
			continue;
		sb_kv(&sb, c->params[i].keyword, c->params[i].value);
	}
	if (secs < 2)
		secs = 2;
	snprintf(tbuf, sizeof(tbuf), "%d", secs);
	sb_kv(&sb, "connect_timeout", tbuf);
	return sb.len;
}

static lg_param *
dup_params(const lg_param *src, int n)
{
	lg_param   *dst = calloc((size_t) (n > 0 ? n : 1), sizeof(lg_param));

	if (dst == NULL)
		return NULL;
	for (int i = 0; i < n; i++)
	{
		dst[i].keyword = strdup(src[i].keyword);
		dst[i].value = strdup(src[i].value);
		if (dst[i].keyword == NULL || dst[i].value == NULL)
		{
			free_params(dst, i + 1);
			return NULL;
		}
	}
	return dst;
}

/* A deep copy, for the pool; NULL when out of memory. */
lg_config *
lg_config_dup(const lg_config *src)
{
	lg_config  *c = calloc(1, sizeof(lg_config));

	if (c == NULL)
		return NULL;
	*c = *src;
	c->url = dup_params(src->url, src->nurl);
	c->params = dup_params(src->params, src->nparams);
	c->application_name = xstrdup(src->application_name);
	c->sslmode = xstrdup(src->sslmode);
	c->keywords = calloc((size_t) c->nparams + 1, sizeof(char *));
	c->values = calloc((size_t) c->nparams + 1, sizeof(char *));
	if (c->url == NULL || c->params == NULL || c->application_name == NULL ||
		c->sslmode == NULL || c->keywords == NULL || c->values == NULL)
	{
		if (c->url == NULL)
			c->nurl = 0;
		if (c->params == NULL)
			c->nparams = 0;
		lg_config_free(c);
		return NULL;
	}
	for (int i = 0; i < c->nparams; i++)
	{
		c->keywords[i] = c->params[i].keyword;
		c->values[i] = c->params[i].value;
	}
	c->host = lg_param_get(c->url, c->nurl, "host");
	if (c->host == NULL)
		c->host = lg_param_get(c->url, c->nurl, "hostaddr");
	c->database = lg_param_get(c->url, c->nurl, "dbname");
	c->user = lg_param_get(c->url, c->nurl, "user");
	c->password = lg_param_get(c->url, c->nurl, "password");
	if (c->database == NULL)
		c->database = c->user;
	return c;
}
