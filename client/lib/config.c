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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"

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

/* The profiles of the contract, indexed by lg_environment. */
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

/* free a string that may hold a secret, wiping it first */
static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
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

/* ------------------------------------------------------------------------
 * numbers
 * ------------------------------------------------------------------------
 */

/*
 * Parse a strictly decimal integer in [minval, maxval] from variable name.
 * No sign, no spaces, no units, no silent default.
 */
static lg_status
parse_setting(const char *name, const char *value, int minval, int maxval,
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
	if (!overflow && v == 0 && minval > 0)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": zero; expected an integer from %d to %d",
					   name, value, minval, maxval);
	if (overflow || v > maxval || v < minval)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": out of range; expected an integer from %d to %d",
					   name, value, minval, maxval);
	*out = (int) v;
	return LG_OK;
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

/* every value is wiped before it is freed: some are secrets */
static void
free_params(lg_param *params, int n)
{
	if (params == NULL)
		return;
	for (int i = 0; i < n; i++)
	{
		free(params[i].keyword);
		wipe_free(params[i].value);
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
			wipe_free((*params)[i].value);
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
		wipe_free(np[*n].value);
		return false;
	}
	(*n)++;
	return true;
}

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
	if (slen > 0 && !is_uri(raw) && err != NULL)
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
static lg_status
parse_url(lg_config *c, const char *var, const char *raw, bool *pgbouncer_flag,
		  lg_error *err)
{
	char	   *url = NULL;
	char	   *errmsg = NULL;
	PQconninfoOption *opts;
	lg_status	st = LG_OK;

	c->is_uri = is_uri(raw);
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
		wipe_free(stripped);
	}
	else
		url = strdup(raw);
	if (url == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");

	opts = PQconninfoParse(url, &errmsg);
	if (opts == NULL)
	{
		st = url_parse_error(var, raw, url, errmsg ? errmsg : "out of memory", err);
		PQfreemem(errmsg);
		wipe_free(url);
		return st;
	}
	wipe_free(url);

	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (st == LG_OK && !params_set(&c->url, &c->nurl, o->keyword, o->val))
			st = lg_fail(err, LG_ERR_INTERNAL, "out of memory");
		explicit_bzero(o->val, strlen(o->val));
	}
	PQconninfoFree(opts);
	return st;
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
 * the environment variables
 * ------------------------------------------------------------------------
 */

typedef enum want_driver
{
	DRV_AUTO, DRV_PG, DRV_NEON, DRV_PGBOUNCER
} want_driver;

typedef struct lg_variable lg_variable;

/*
 * What resolution works on: the environment, the variables' values, and
 * what each step found for the next.
 */
typedef struct resolve_ctx
{
	const char *const *env;
	lg_config  *c;
	bool		direct;			/* LG_CONFIG_DIRECT */
	const char *raw;			/* the connection string */
	const char *var;			/* and its variable */
	bool		derive_direct;	/* --direct from DATABASE_URL */
	want_driver want;
	bool		force_neon;
	const char *mode;			/* DATABASE_POOL_MODE, or NULL */
	const char *app;			/* APP_NAME, or "app" */
	const char *hosts;			/* the URL's host list, or NULL */
	const char *ports;			/* the URL's port list, or NULL */
	bool		pgbouncer_flag;
	bool		neon_host;
	bool		pooler_host;
	bool		port_6432;
	int			ints[32];		/* integer variables, by table row */
	bool		given[32];		/* which rows were set */
	char		buf[LG_ERROR_MESSAGE_SIZE];
} resolve_ctx;

typedef lg_status (*var_parse_fn) (resolve_ctx *ctx, int row,
								   const char *value, lg_error *err);

#define VAR_PROFILE INT_MIN		/* an integer whose default the profile sets */

/*
 * One environment variable: its name, how its value is parsed (NULL for
 * the connection strings, which choose_url reads), for integers the
 * lg_config field, bounds and default, and its one-line description (for
 * `lifeguard config --help` and docs/environment.md).
 */
struct lg_variable
{
	const char *name;
	var_parse_fn parse;
	size_t		field;			/* parse_int: offsetof(lg_config, ...) */
	int			min;
	int			max;
	int			def;			/* parse_int: default, or VAR_PROFILE */
	const char *summary;
};

static lg_status parse_environment(resolve_ctx *ctx, int row, const char *v, lg_error *err);
static lg_status parse_driver(resolve_ctx *ctx, int row, const char *v, lg_error *err);
static lg_status parse_neon(resolve_ctx *ctx, int row, const char *v, lg_error *err);
static lg_status parse_pool_mode(resolve_ctx *ctx, int row, const char *v, lg_error *err);
static lg_status parse_int(resolve_ctx *ctx, int row, const char *v, lg_error *err);
static lg_status parse_app_name(resolve_ctx *ctx, int row, const char *v, lg_error *err);
static lg_status parse_statement_cache(resolve_ctx *ctx, int row, const char *v, lg_error *err);

#define INT_VAR(name, field, max, def, summary) \
	{name, parse_int, offsetof(lg_config, field), 1, max, def, summary}

/*
 * Every variable lifeguard reads, in the order they are checked.  Adding
 * one is adding a row here (an integer: INT_VAR with its lg_config field).
 */
static const lg_variable variables[] = {
	{"DATABASE_URL", NULL, 0, 0, 0, 0,
	"the connection string (URI or key=value)"},
	{"DIRECT_URL", NULL, 0, 0, 0, 0,
	"the unpooled connection (--direct); used when DATABASE_URL is unset"},
	{"APP_ENV", parse_environment, 0, 0, 0, 0,
	"production, staging, development (default) or test: the profile"},
	{"NODE_ENV", parse_environment, 0, 0, 0, 0,
	"the profile when APP_ENV is unset"},
	{"DATABASE_DRIVER", parse_driver, 0, 0, 0, 0,
	"auto (default), pg, neon or pgbouncer"},
	{"NEON_DATABASE", parse_neon, 0, 0, 0, 0,
	"true forces the neon driver"},
	{"DATABASE_POOL_MODE", parse_pool_mode, 0, 0, 0, 0,
	"session or transaction: overrides detection"},
	INT_VAR("DATABASE_POOL_MAX", max, LG_MAX_POOL_MAX, VAR_PROFILE,
			"the pool's maximum number of connections"),
	INT_VAR("DATABASE_POOL_IDLE_TIMEOUT", idle_timeout_ms, LG_MAX_IDLE_TIMEOUT_MS, VAR_PROFILE,
			"milliseconds after which an idle connection is closed"),
	INT_VAR("DATABASE_CONNECTION_TIMEOUT", connect_timeout_ms, LG_MAX_CONNECT_TIMEOUT_MS, VAR_PROFILE,
			"milliseconds to get a connection (waiting and connecting)"),
	{"DATABASE_POOL_HEALTH_CHECK_AFTER", parse_int,
		offsetof(lg_config, health_check_after_ms), 0, LG_MAX_HEALTH_CHECK_AFTER_MS,
		LG_DEFAULT_HEALTH_CHECK_AFTER_MS,
	"milliseconds idle after which a connection gets a round trip before it is handed out (0: always)"},
	{"DATABASE_POOL_MAX_LIFETIME", parse_int,
		offsetof(lg_config, max_lifetime_ms), 0, LG_MAX_MAX_LIFETIME_MS,
		LG_DEFAULT_MAX_LIFETIME_MS,
	"milliseconds (less up to 10% jitter) after which a connection is closed at release (0: no limit)"},
	{"APP_NAME", parse_app_name, 0, 0, 0, 0,
	"base of application_name (default app)"},
	{"DATABASE_STATEMENT_CACHE", parse_statement_cache, 0, 0, 0, 0,
	"on or off (default): reuse named prepared statements (session pooling)"},
};

#define NVARIABLES ((int) (sizeof(variables) / sizeof(variables[0])))

const char *
lg_config_variable(int i, const char **summary)
{
	if (i < 0 || i >= NVARIABLES)
		return NULL;
	if (summary)
		*summary = variables[i].summary;
	return variables[i].name;
}

/* the value of variable name, by its table row */
static const char *
var_value(const resolve_ctx *ctx, const char *name)
{
	return getvar(ctx->env, name);
}

static bool
var_given(const resolve_ctx *ctx, const char *name)
{
	for (int i = 0; i < NVARIABLES; i++)
		if (strcmp(variables[i].name, name) == 0)
			return ctx->given[i];
	return false;
}

static lg_status
parse_environment(resolve_ctx *ctx, int row, const char *v, lg_error *err)
{
	/* NODE_ENV counts only without APP_ENV */
	if (strcmp(variables[row].name, "NODE_ENV") == 0 && var_given(ctx, "APP_ENV"))
		return LG_OK;
	for (int i = 0; i < (int) (sizeof(profiles) / sizeof(profiles[0])); i++)
		if (strcmp(v, profiles[i].name) == 0)
		{
			ctx->c->environment = (lg_environment) i;
			return LG_OK;
		}
	return lg_fail(err, LG_ERR_CONFIG,
				   "invalid %s \"%.100s\": unknown environment; expected production, staging, development or test",
				   variables[row].name, v);
}

static lg_status
parse_driver(resolve_ctx *ctx, int row, const char *v, lg_error *err)
{
	static const char *const names[] = {"auto", "pg", "neon", "pgbouncer"};

	(void) row;
	for (int i = 0; i < 4; i++)
		if (strcmp(v, names[i]) == 0)
		{
			ctx->want = (want_driver) i;
			return LG_OK;
		}
	return lg_fail(err, LG_ERR_CONFIG,
				   "invalid DATABASE_DRIVER \"%.100s\": unknown driver; expected auto, pg, neon or pgbouncer",
				   v);
}

static lg_status
parse_neon(resolve_ctx *ctx, int row, const char *v, lg_error *err)
{
	(void) row;
	if (strcmp(v, "true") == 0)
		ctx->force_neon = true;
	else if (strcmp(v, "false") != 0)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid NEON_DATABASE \"%.100s\": expected true or false", v);
	if (ctx->force_neon && (ctx->want == DRV_PG || ctx->want == DRV_PGBOUNCER))
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid DATABASE_DRIVER \"%s\": conflicts with NEON_DATABASE=true",
					   var_value(ctx, "DATABASE_DRIVER"));
	return LG_OK;
}

static lg_status
parse_pool_mode(resolve_ctx *ctx, int row, const char *v, lg_error *err)
{
	(void) row;
	if (strcmp(v, "session") != 0 && strcmp(v, "transaction") != 0)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid DATABASE_POOL_MODE \"%.100s\": unknown pool mode; expected session or transaction",
					   v);
	ctx->mode = v;
	return LG_OK;
}

static lg_status
parse_int(resolve_ctx *ctx, int row, const char *v, lg_error *err)
{
	const lg_variable *var = &variables[row];

	return parse_setting(var->name, v, var->min, var->max, &ctx->ints[row], err);
}

static lg_status
parse_app_name(resolve_ctx *ctx, int row, const char *app, lg_error *err)
{
	const profile *prof = &profiles[ctx->c->environment];

	(void) row;
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
	ctx->app = app;
	return LG_OK;
}

/*
 * The statement cache of lg_conn_query: named prepared statements, so
 * opt-in, and never under transaction pooling (check_pooling).  Off by
 * default because a named statement is exactly what lifeguard's own
 * pooling audit reports (and refuses under lifeguard.enforce = error).
 */
static lg_status
parse_statement_cache(resolve_ctx *ctx, int row, const char *v, lg_error *err)
{
	(void) row;
	if (strcmp(v, "on") == 0)
		ctx->c->statement_cache = true;
	else if (strcmp(v, "off") != 0)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid DATABASE_STATEMENT_CACHE \"%.100s\": expected on or off", v);
	return LG_OK;
}

/* ------------------------------------------------------------------------
 * resolution, step by step
 * ------------------------------------------------------------------------
 */

/* which connection string */
static lg_status
choose_url(resolve_ctx *ctx, lg_error *err)
{
	const char *database_url = var_value(ctx, "DATABASE_URL");
	const char *direct_url = var_value(ctx, "DIRECT_URL");

	if (ctx->direct && direct_url != NULL)
	{
		ctx->raw = direct_url;
		ctx->var = "DIRECT_URL";
	}
	else if (database_url != NULL)
	{
		ctx->raw = database_url;
		ctx->var = "DATABASE_URL";
		ctx->derive_direct = ctx->direct;
	}
	else if (direct_url != NULL)
	{
		ctx->raw = direct_url;
		ctx->var = "DIRECT_URL";
	}
	else
		return lg_fail(err, LG_ERR_CONFIG,
					   "no connection string: set DATABASE_URL (or DIRECT_URL)");
	if (ctx->raw[0] == '\0')
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"\": empty; expected a connection string", ctx->var);
	ctx->c->source = ctx->var;
	return LG_OK;
}

/* every other variable, in table order */
static lg_status
read_variables(resolve_ctx *ctx, lg_error *err)
{
	ctx->c->environment = LG_ENV_DEVELOPMENT;
	ctx->app = "app";
	for (int i = 0; i < NVARIABLES; i++)
	{
		const char *v = var_value(ctx, variables[i].name);
		lg_status	st;

		ctx->given[i] = v != NULL;
		if (v == NULL || variables[i].parse == NULL)
			continue;
		if ((st = variables[i].parse(ctx, i, v, err)) != LG_OK)
			return st;
	}
	return LG_OK;
}

/* the profile, then the integer variables that were set */
static void
apply_settings(resolve_ctx *ctx)
{
	lg_config  *c = ctx->c;
	const profile *prof = &profiles[c->environment];

	c->max = prof->max;
	c->idle_timeout_ms = prof->idle_timeout_ms;
	c->connect_timeout_ms = prof->connect_timeout_ms;
	c->keepalive = prof->keepalive;
	for (int i = 0; i < NVARIABLES; i++)
	{
		int		   *field = (int *) ((char *) c + variables[i].field);

		if (variables[i].parse != parse_int)
			continue;
		if (ctx->given[i])
			*field = ctx->ints[i];
		else if (variables[i].def != VAR_PROFILE)
			*field = variables[i].def;
	}
}

/*
 * A value that is itself a URL with user info (dbname=postgresql://u:pw@h/db):
 * libpq takes it literally here, and every output would show the password
 * in it.  Refused, naming the parameter only.
 */
static lg_status
check_nested_urls(resolve_ctx *ctx, lg_error *err)
{
	lg_config  *c = ctx->c;

	for (int i = 0; i < c->nurl; i++)
	{
		const char *v = c->url[i].value;
		size_t		slen = lg_url_scheme_length(v);

		if (slen > 0 && lg_url_userinfo_end(v + slen + 3) != NULL)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s: the value of %s is a URL with user info, which may hold a password; lifeguard does not expand nested connection strings",
						   ctx->var, c->url[i].keyword);
	}
	return LG_OK;
}

/*
 * The URL's connect_timeout (whole seconds) counts unless
 * DATABASE_CONNECTION_TIMEOUT overrides it; 0 ("wait forever") is refused
 * like every other zero.
 */
static lg_status
url_connect_timeout(resolve_ctx *ctx, lg_error *err)
{
	const char *v = lg_param_get(ctx->c->url, ctx->c->nurl, "connect_timeout");
	int			secs;
	char		name[64];
	lg_status	st;

	if (v == NULL || var_given(ctx, "DATABASE_CONNECTION_TIMEOUT"))
		return LG_OK;
	snprintf(name, sizeof(name), "connect_timeout of %s", ctx->var);
	if ((st = parse_setting(name, v, 1, LG_MAX_CONNECT_TIMEOUT_MS / 1000, &secs, err)) != LG_OK)
		return st;
	ctx->c->connect_timeout_ms = secs * 1000;
	return LG_OK;
}

/* 1-based position of the host at p in a host list */
static int
host_number(const char *hosts, const char *p)
{
	int			n = 1;

	for (const char *q = hosts; q < p; q++)
		n += (*q == ',');
	return n;
}

/*
 * The hosts and ports: every port a number (an empty entry of a list is
 * libpq's default port, as libpq and psql accept), and what they say about
 * the driver.
 */
static lg_status
scan_hosts_ports(resolve_ctx *ctx, lg_error *err)
{
	lg_config  *c = ctx->c;
	const char *p;

	ctx->hosts = lg_param_get(c->url, c->nurl, "host");
	ctx->ports = lg_param_get(c->url, c->nurl, "port");
	for (p = ctx->ports; p != NULL;)
	{
		size_t		len = strcspn(p, ",");
		int			port = 0;
		bool		listed = strchr(ctx->ports, ',') != NULL;

		if (!(len == 0 && listed) && !parse_port(p, len, &port) &&
			strcspn(p, " \t\n\r\f\v=@'\"?#") < len)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s: port %d of the port list is not a number from 1 to 65535 (it holds text like a key=value string, not shown)",
						   ctx->var, host_number(ctx->ports, p));
		if (!(len == 0 && listed) && !parse_port(p, len, &port))
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s \"%s\": port \"%.*s\" is not a number from 1 to 65535",
						   ctx->var, redacted(c, ctx->buf, sizeof(ctx->buf)),
						   (int) (len > 20 ? 20 : len), p);
		if (len > 0 && port == 6432)
			ctx->port_6432 = true;
		p += len;
		p = (*p == ',') ? p + 1 : NULL;
	}
	for (p = ctx->hosts; p != NULL;)
	{
		size_t		len = strcspn(p, ",");
		size_t		bad = strcspn(p, " \t\n\r\f\v=@'\"?#");

		/*
		 * No host name holds a space, '=', '@' or a quote; a host that does
		 * is most likely a key=value string or a password in the wrong
		 * place, so it is not shown.  (A socket directory may.)
		 */
		if (p[0] != '/' && bad < len)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s: host %d of the host list contains \"%c\", which no host name does (is it a key=value string or a password in the wrong place?)",
						   ctx->var, host_number(ctx->hosts, p),
						   isspace((unsigned char) p[bad]) ? ' ' : p[bad]);
		if (host_is_neon(p, len))
		{
			ctx->neon_host = true;
			if (p == ctx->hosts && host_is_pooler(p, len))
				ctx->pooler_host = true;
		}
		p += len;
		p = (*p == ',') ? p + 1 : NULL;
	}
	return LG_OK;
}

/* driver and pool mode */
static void
choose_driver(resolve_ctx *ctx)
{
	lg_config  *c = ctx->c;

	switch (ctx->want)
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
			if (ctx->force_neon || ctx->neon_host)
				c->driver = LG_DRIVER_NEON;
			else if (ctx->port_6432 || ctx->pgbouncer_flag)
				c->driver = LG_DRIVER_PGBOUNCER;
			else
				c->driver = LG_DRIVER_PG;
			break;
	}
	if (ctx->force_neon)
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
			c->pool_mode = (ctx->pooler_host || ctx->pgbouncer_flag) ?
				LG_POOL_TRANSACTION : LG_POOL_SESSION;
			break;
	}
	if (ctx->mode != NULL)
		c->pool_mode = strcmp(ctx->mode, "transaction") == 0 ?
			LG_POOL_TRANSACTION : LG_POOL_SESSION;
}

/*
 * The direct connection: DIRECT_URL as given, or DATABASE_URL when it does
 * not go through a pooler, or a Neon -pooler host minus -pooler.
 */
static lg_status
apply_direct(resolve_ctx *ctx, lg_error *err)
{
	lg_config  *c = ctx->c;

	if (!ctx->direct)
		return LG_OK;
	if (!ctx->derive_direct && (ctx->pooler_host || ctx->port_6432 || ctx->pgbouncer_flag))
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid DIRECT_URL \"%s\": it points at a pooler (%s); DIRECT_URL must be the unpooled connection",
					   redacted(c, ctx->buf, sizeof(ctx->buf)),
					   ctx->pooler_host ? "a -pooler host" :
					   ctx->port_6432 ? "port 6432" : "pgbouncer=true");
	if (ctx->derive_direct)
	{
		if (c->driver == LG_DRIVER_NEON && ctx->pooler_host)
		{
			char	   *h = strip_pooler(ctx->hosts);

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
						   redacted(c, ctx->buf, sizeof(ctx->buf)),
						   c->driver == LG_DRIVER_PGBOUNCER ? "PgBouncer" : "transaction");
	}
	if (c->driver != LG_DRIVER_NEON)
		c->driver = LG_DRIVER_PG;
	c->pool_mode = LG_POOL_SESSION;
	return LG_OK;
}

/* TLS: the URL's sslmode, else libpq's default; Neon requires TLS */
static lg_status
choose_sslmode(resolve_ctx *ctx, lg_error *err)
{
	static const char *const modes[] = {"disable", "allow", "prefer", "require",
	"verify-ca", "verify-full"};
	lg_config  *c = ctx->c;
	const char *m = lg_param_get(c->url, c->nurl, "sslmode");
	int			i = 0;

	if (m != NULL)
	{
		for (i = 0; i < 6 && strcmp(m, modes[i]) != 0; i++)
			;
		if (i == 6)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s \"%s\": unknown sslmode \"%.40s\"; expected disable, allow, prefer, require, verify-ca or verify-full",
						   ctx->var, redacted(c, ctx->buf, sizeof(ctx->buf)), m);
	}
	if (c->driver == LG_DRIVER_NEON)
	{
		if (m != NULL && i <= 2)	/* disable, allow, prefer */
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s \"%s\": sslmode=%s on a Neon host; Neon requires TLS (use sslmode=require or verify-full)",
						   ctx->var, redacted(c, ctx->buf, sizeof(ctx->buf)), m);
		c->sslmode = strdup(m ? m : "require");
	}
	else
		c->sslmode = strdup(m ? m : "prefer");
	return c->sslmode ? LG_OK : lg_fail(err, LG_ERR_INTERNAL, "out of memory");
}

/* what transaction pooling cannot carry */
static lg_status
check_pooling(resolve_ctx *ctx, lg_error *err)
{
	lg_config  *c = ctx->c;
	const char *v;

	if (c->pool_mode != LG_POOL_TRANSACTION)
		return LG_OK;
	if ((v = lg_param_get(c->url, c->nurl, "options")) != NULL)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s: options=\"%.100s\" in transaction pooling; a transaction pooler does not pass startup options to the server (set them per role with ALTER ROLE ... SET)",
					   ctx->var, v);
	if (c->statement_cache)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid DATABASE_STATEMENT_CACHE \"on\": the pool mode is transaction, where named prepared statements break; use off");
	return LG_OK;
}

/* application_name and keepalives: the URL's own, else the profile's */
static lg_status
choose_app_keepalive(resolve_ctx *ctx, lg_error *err)
{
	lg_config  *c = ctx->c;
	const profile *prof = &profiles[c->environment];
	const char *url_appname = lg_param_get(c->url, c->nurl, "application_name");
	const char *ka = lg_param_get(c->url, c->nurl, "keepalives");

	if (url_appname != NULL)
		c->application_name = strdup(url_appname);
	else
	{
		size_t		len = strlen(ctx->app) + strlen(prof->suffix) + 2;

		c->application_name = malloc(len);
		if (c->application_name)
			snprintf(c->application_name, len, "%s-%s", ctx->app, prof->suffix);
	}
	if (ka != NULL)
	{
		if (strcmp(ka, "0") != 0 && strcmp(ka, "1") != 0)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s \"%s\": keepalives must be 0 or 1",
						   ctx->var, redacted(c, ctx->buf, sizeof(ctx->buf)));
		c->keepalive = ka[0] == '1';
	}
	if (c->application_name == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	return LG_OK;
}

/* the parameters libpq gets */
static lg_status
build_params(resolve_ctx *ctx, lg_error *err)
{
	lg_config  *c = ctx->c;

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
			wipe_free(c->params[i].value);
			c->params[i] = c->params[--c->nparams];
			break;
		}
	return LG_OK;
}

/*
 * What a config derives from its parameters: libpq's keyword/value arrays
 * and the first host and port, database, user and password for display.
 * Shared by resolution and lg_config_dup.  false when out of memory.
 */
static bool
finish(lg_config *c)
{
	const char *ports = lg_param_get(c->url, c->nurl, "port");

	c->keywords = calloc((size_t) c->nparams + 1, sizeof(char *));
	c->values = calloc((size_t) c->nparams + 1, sizeof(char *));
	if (c->keywords == NULL || c->values == NULL)
		return false;
	for (int i = 0; i < c->nparams; i++)
	{
		c->keywords[i] = c->params[i].keyword;
		c->values[i] = c->params[i].value;
	}
	c->host = lg_param_get(c->url, c->nurl, "host");
	if (c->host == NULL)
		c->host = lg_param_get(c->url, c->nurl, "hostaddr");
	c->port = 5432;
	if (ports != NULL)
		parse_port(ports, strcspn(ports, ","), &c->port);
	c->database = lg_param_get(c->url, c->nurl, "dbname");
	c->user = lg_param_get(c->url, c->nurl, "user");
	c->password = lg_param_get(c->url, c->nurl, "password");
	if (c->database == NULL)
		c->database = c->user;
	return true;
}

static lg_status
resolve(const char *const *env, int options, lg_config *c, lg_error *err)
{
	resolve_ctx ctx;
	lg_status	st;

	memset(&ctx, 0, sizeof(ctx));
	ctx.env = env;
	ctx.c = c;
	ctx.direct = (options & LG_CONFIG_DIRECT) != 0;
	if ((st = choose_url(&ctx, err)) != LG_OK ||
		(st = read_variables(&ctx, err)) != LG_OK)
		return st;
	apply_settings(&ctx);
	if ((st = parse_url(c, ctx.var, ctx.raw, &ctx.pgbouncer_flag, err)) != LG_OK ||
		(st = check_nested_urls(&ctx, err)) != LG_OK ||
		(st = url_connect_timeout(&ctx, err)) != LG_OK ||
		(st = scan_hosts_ports(&ctx, err)) != LG_OK)
		return st;
	choose_driver(&ctx);
	if ((st = apply_direct(&ctx, err)) != LG_OK ||
		(st = choose_sslmode(&ctx, err)) != LG_OK ||
		(st = check_pooling(&ctx, err)) != LG_OK ||
		(st = choose_app_keepalive(&ctx, err)) != LG_OK ||
		(st = build_params(&ctx, err)) != LG_OK)
		return st;
	if (!finish(c))
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
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
		/* defence in depth: nothing the raw string hides may show */
		if (err != NULL && c->source != NULL)
		{
			lg_secrets	sec = {0};
			const char *raw = getvar(env, c->source);

			if (raw != NULL)
				lg_redact_conninfo(raw, &sec, NULL, 0);
			lg_secrets_scrub(&sec, err->message, sizeof(err->message));
			lg_secrets_free(&sec);
		}
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
lg_config_health_check_after_ms(const lg_config *c)
{
	return c->health_check_after_ms;
}

int
lg_config_max_lifetime_ms(const lg_config *c)
{
	return c->max_lifetime_ms;
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
		lg_strbuf_puts(sb, "[");
		lg_strbuf_puts(sb, tmp);
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

	lg_strbuf_puts(&sb, "postgresql://");
	if (user || password)
	{
		if (user)
			lg_strbuf_put_pct(&sb, user);
		if (password)
		{
			lg_strbuf_puts(&sb, ":");
			if (show_password)
				lg_strbuf_put_pct(&sb, password);
			else
				lg_strbuf_puts(&sb, "****");
		}
		lg_strbuf_puts(&sb, "@");
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
	c->keywords = NULL;
	c->values = NULL;
	c->url = dup_params(src->url, src->nurl);
	c->params = dup_params(src->params, src->nparams);
	c->application_name = xstrdup(src->application_name);
	c->sslmode = xstrdup(src->sslmode);
	if (c->url == NULL)
		c->nurl = 0;
	if (c->params == NULL)
		c->nparams = 0;
	if (c->url == NULL || c->params == NULL || c->application_name == NULL ||
		c->sslmode == NULL || !finish(c))
	{
		lg_config_free(c);
		return NULL;
	}
	return c;
}
