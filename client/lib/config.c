/*-------------------------------------------------------------------------
 *
 * config.c
 *	  Resolution of the client configuration, step by step over one
 *	  resolution context: which connection string (DATABASE_URL, or
 *	  DIRECT_URL), the variables (config_vars.c) and what they say together
 *	  (the profile, the conflicts), the connection string itself
 *	  (config_url.c), the driver and pool mode it and the variables imply,
 *	  the direct connection, TLS, what transaction pooling cannot carry,
 *	  application_name and keepalives, and the parameters libpq gets.  Also
 *	  the config's accessors, its copy and its end.
 *
 * Every error names the variable and the value; a value that may hold a
 * password is shown redacted.
 *
 * No shared state: a config is built by one thread and immutable after.
 *
 *-------------------------------------------------------------------------
 */
#include "config_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct profile
{
	const char *suffix;			/* of application_name */
	int			max;
	int			idle_timeout_ms;
	int			connect_timeout_ms;
	bool		keepalive;
} profile;

/* The profiles of the contract, indexed by lg_environment. */
static const profile profiles[] = {
	[LG_ENV_PRODUCTION] = {"prod", 20, 30000, 10000, true},
	[LG_ENV_STAGING] = {"staging", 15, 30000, 10000, true},
	[LG_ENV_DEVELOPMENT] = {"dev", 5, 30000, 10000, false},
	[LG_ENV_TEST] = {"test", 3, 5000, 5000, false},
};

#define NAMEDATALEN_MAX 63		/* longest application_name the server keeps */

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

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void
lg_config_free(lg_config *c)
{
	if (c == NULL)
		return;
	lg_params_free(c->url, c->nurl);
	lg_params_free(c->params, c->nparams);
	free(c->keywords);
	free(c->values);
	free(c->application_name);
	free(c->sslmode);
	free(c);
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
 * resolution, step by step
 * ------------------------------------------------------------------------
 */

/*
 * What resolution works on: the environment, the variables' values, and
 * what each step found for the next.
 */
typedef struct resolve_ctx
{
	const char *const *env;
	lg_config  *c;
	bool		direct;			/* LG_CONFIG_DIRECT */
	lg_var_value vars[LG_NVARS];	/* every variable, by its row */
	const char *raw;			/* the connection string */
	const char *var;			/* and its variable */
	bool		derive_direct;	/* --direct from DATABASE_URL */
	lg_want_driver want;
	bool		force_neon;		/* NEON_DATABASE=true */
	const char *app;			/* APP_NAME, or "app" */
	const char *hosts;			/* the URL's host list, or NULL */
	const char *ports;			/* the URL's port list, or NULL */
	bool		pgbouncer_flag;
	bool		neon_host;
	bool		pooler_host;
	bool		port_6432;
	char		buf[LG_ERROR_MESSAGE_SIZE];
} resolve_ctx;

/* which connection string */
static lg_status
choose_url(resolve_ctx *ctx, lg_error *err)
{
	const char *database_url = ctx->vars[LG_VAR_DATABASE_URL].value;
	const char *direct_url = ctx->vars[LG_VAR_DIRECT_URL].value;

	if (ctx->direct && direct_url != NULL)
	{
		ctx->raw = direct_url;
		ctx->var = lg_var_name(LG_VAR_DIRECT_URL);
	}
	else if (database_url != NULL)
	{
		ctx->raw = database_url;
		ctx->var = lg_var_name(LG_VAR_DATABASE_URL);
		ctx->derive_direct = ctx->direct;
	}
	else if (direct_url != NULL)
	{
		ctx->raw = direct_url;
		ctx->var = lg_var_name(LG_VAR_DIRECT_URL);
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

/*
 * The variables, each checked as its row says; then what they say
 * together, once all are read: the profile (APP_ENV, else NODE_ENV), the
 * wanted driver against NEON_DATABASE, and application_name's length
 * against the profile's suffix.
 */
static lg_status
read_variables(resolve_ctx *ctx, lg_error *err)
{
	const lg_var_value *v = ctx->vars;
	lg_config  *c = ctx->c;
	lg_status	st;

	if ((st = lg_vars_check(ctx->vars, err)) != LG_OK)
		return st;
	c->environment = LG_ENV_DEVELOPMENT;
	if (v[LG_VAR_APP_ENV].read)
		c->environment = (lg_environment) v[LG_VAR_APP_ENV].number;
	else if (v[LG_VAR_NODE_ENV].read)
		c->environment = (lg_environment) v[LG_VAR_NODE_ENV].number;
	ctx->want = v[LG_VAR_DATABASE_DRIVER].read ?
		(lg_want_driver) v[LG_VAR_DATABASE_DRIVER].number : LG_WANT_AUTO;
	ctx->force_neon = v[LG_VAR_NEON_DATABASE].read &&
		v[LG_VAR_NEON_DATABASE].number == LG_SWITCH_ON;
	c->statement_cache = v[LG_VAR_DATABASE_STATEMENT_CACHE].read &&
		v[LG_VAR_DATABASE_STATEMENT_CACHE].number == LG_SWITCH_ON;
	ctx->app = v[LG_VAR_APP_NAME].read ? v[LG_VAR_APP_NAME].value : "app";

	if (ctx->force_neon && (ctx->want == LG_WANT_PG || ctx->want == LG_WANT_PGBOUNCER))
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": conflicts with %s=true",
					   lg_var_name(LG_VAR_DATABASE_DRIVER), v[LG_VAR_DATABASE_DRIVER].value,
					   lg_var_name(LG_VAR_NEON_DATABASE));
	if (strlen(ctx->app) + 1 + strlen(profiles[c->environment].suffix) > NAMEDATALEN_MAX)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%.100s\": too long; application_name \"%s-%s\" would exceed %d bytes and be truncated by the server",
					   lg_var_name(LG_VAR_APP_NAME), ctx->app, ctx->app,
					   profiles[c->environment].suffix, NAMEDATALEN_MAX);
	return LG_OK;
}

/* the profile, then the integer variables */
static void
apply_settings(resolve_ctx *ctx)
{
	lg_config  *c = ctx->c;
	const profile *prof = &profiles[c->environment];

	c->max = prof->max;
	c->idle_timeout_ms = prof->idle_timeout_ms;
	c->connect_timeout_ms = prof->connect_timeout_ms;
	c->keepalive = prof->keepalive;
	lg_vars_apply_ints(ctx->vars, c);
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

	if (v == NULL || ctx->vars[LG_VAR_DATABASE_CONNECTION_TIMEOUT].read)
		return LG_OK;
	snprintf(name, sizeof(name), "connect_timeout of %s", ctx->var);
	if ((st = lg_parse_setting(name, v, 1, LG_MAX_CONNECT_TIMEOUT_MS / 1000, &secs, err)) != LG_OK)
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

		if (!(len == 0 && listed) && !lg_port_parse(p, len, &port) &&
			strcspn(p, " \t\n\r\f\v=@'\"?#") < len)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s: port %d of the port list is not a number from 1 to 65535 (it holds text like a key=value string, not shown)",
						   ctx->var, host_number(ctx->ports, p));
		if (!(len == 0 && listed) && !lg_port_parse(p, len, &port))
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
		if (lg_host_is_neon(p, len))
		{
			ctx->neon_host = true;
			if (p == ctx->hosts && lg_host_is_pooler(p, len))
				ctx->pooler_host = true;
		}
		p += len;
		p = (*p == ',') ? p + 1 : NULL;
	}
	return LG_OK;
}

/*
 * The driver: the one DATABASE_DRIVER names (NEON_DATABASE=true forces
 * neon), else what the hosts, ports and pgbouncer=true say; then its pool
 * mode, which DATABASE_POOL_MODE overrides.
 */
static void
choose_driver(resolve_ctx *ctx)
{
	lg_config  *c = ctx->c;
	bool		detect = ctx->want == LG_WANT_AUTO;

	if (ctx->want == LG_WANT_NEON || ctx->force_neon || (detect && ctx->neon_host))
		c->driver = LG_DRIVER_NEON;
	else if (ctx->want == LG_WANT_PGBOUNCER ||
			 (detect && (ctx->port_6432 || ctx->pgbouncer_flag)))
		c->driver = LG_DRIVER_PGBOUNCER;
	else
		c->driver = LG_DRIVER_PG;
	/* a Neon -pooler host (or pgbouncer=true) is Neon's PgBouncer */
	c->pool_mode = (c->driver == LG_DRIVER_PGBOUNCER ||
					(c->driver == LG_DRIVER_NEON && (ctx->pooler_host || ctx->pgbouncer_flag))) ?
		LG_POOL_TRANSACTION : LG_POOL_SESSION;
	if (ctx->vars[LG_VAR_DATABASE_POOL_MODE].read)
		c->pool_mode = (lg_pool_mode) ctx->vars[LG_VAR_DATABASE_POOL_MODE].number;
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
			char	   *h = lg_hosts_strip_pooler(ctx->hosts);

			if (h == NULL || !lg_params_set(&c->url, &c->nurl, "host", h))
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
		if (!lg_params_set(&c->params, &c->nparams, c->url[i].keyword, c->url[i].value))
			return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	if (!lg_params_set(&c->params, &c->nparams, "application_name", c->application_name) ||
		!lg_params_set(&c->params, &c->nparams, "sslmode", c->sslmode) ||
		!lg_params_set(&c->params, &c->nparams, "keepalives", c->keepalive ? "1" : "0"))
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	/* the pool enforces its own, millisecond, connect deadline */
	lg_params_remove(c->params, &c->nparams, "connect_timeout");
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
		lg_port_parse(ports, strcspn(ports, ","), &c->port);
	c->database = lg_param_get(c->url, c->nurl, "dbname");
	c->user = lg_param_get(c->url, c->nurl, "user");
	c->password = lg_param_get(c->url, c->nurl, "password");
	if (c->database == NULL)
		c->database = c->user;
	return true;
}

static lg_status
resolve(resolve_ctx *ctx, lg_error *err)
{
	lg_config  *c = ctx->c;
	lg_status	st;

	lg_vars_collect(ctx->env, ctx->vars);
	if ((st = choose_url(ctx, err)) != LG_OK ||
		(st = read_variables(ctx, err)) != LG_OK)
		return st;
	apply_settings(ctx);
	if ((st = lg_url_parse(c, ctx->var, ctx->raw, &ctx->pgbouncer_flag, err)) != LG_OK ||
		(st = check_nested_urls(ctx, err)) != LG_OK ||
		(st = url_connect_timeout(ctx, err)) != LG_OK ||
		(st = scan_hosts_ports(ctx, err)) != LG_OK)
		return st;
	choose_driver(ctx);
	if ((st = apply_direct(ctx, err)) != LG_OK ||
		(st = choose_sslmode(ctx, err)) != LG_OK ||
		(st = check_pooling(ctx, err)) != LG_OK ||
		(st = choose_app_keepalive(ctx, err)) != LG_OK ||
		(st = build_params(ctx, err)) != LG_OK)
		return st;
	if (!finish(c))
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	return LG_OK;
}

lg_status
lg_config_resolve(const char *const *env, int options, lg_config **out,
				  lg_error *err)
{
	resolve_ctx ctx;
	lg_status	st;

	*out = NULL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.env = env;
	ctx.direct = (options & LG_CONFIG_DIRECT) != 0;
	if ((ctx.c = calloc(1, sizeof(lg_config))) == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	st = resolve(&ctx, err);
	if (st != LG_OK)
	{
		/* defence in depth: nothing the raw string hides may show */
		if (err != NULL && ctx.raw != NULL)
		{
			lg_secrets	sec = {0};

			lg_redact_conninfo(ctx.raw, &sec, NULL, 0);
			lg_secrets_scrub(&sec, err->message, sizeof(err->message));
			lg_secrets_free(&sec);
		}
		lg_config_free(ctx.c);
		return st;
	}
	*out = ctx.c;
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
	c->url = lg_params_dup(src->url, src->nurl);
	c->params = lg_params_dup(src->params, src->nparams);
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
