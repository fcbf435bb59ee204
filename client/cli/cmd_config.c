/*-------------------------------------------------------------------------
 *
 * cmd_config.c
 *	  lifeguard config: print the resolved configuration as text, JSON,
 *	  shell variables, a libpq conninfo string, or the options object of
 *	  node-postgres's new Pool(...).
 *
 * JSON is built with jansson.  Secrets (the values of libpq's password-like
 * options) appear only with --show-password.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strbuf.h"

/* config --help's last section: every variable, with its summary */
void
cmd_config_help_environment(FILE *out)
{
	const char *name;
	const char *summary;

	fprintf(out, "Environment:\n");
	for (int i = 0; (name = lg_config_variable(i, &summary)) != NULL; i++)
		fprintf(out, "  %-28s %s\n", name, summary);
}

/* --list-variables: "NAME<TAB>summary" per variable */
static void
list_variables(void)
{
	const char *name;
	const char *summary;

	for (int i = 0; (name = lg_config_variable(i, &summary)) != NULL; i++)
		printf("%s\t%s\n", name, summary);
}

/* a config's formatted string, malloc'd */
static char *
format_str(size_t (*fn) (const lg_config *, bool, char *, size_t),
		   const lg_config *c, bool show_password)
{
	size_t		need = fn(c, show_password, NULL, 0);
	char	   *buf = malloc(need + 1);

	if (buf)
		fn(c, show_password, buf, need + 1);
	return buf;
}

/* set when a value is not valid UTF-8 (jansson refuses it) */
static bool bad_utf8;

static json_t *
jstr(const char *s)
{
	json_t	   *j = json_string(s);

	if (j == NULL)
	{
		bad_utf8 = true;
		j = json_null();
	}
	return j;
}

static json_t *
json_str_or_null(const char *s)
{
	return s ? jstr(s) : json_null();
}

static json_t *
config_json(const lg_config *c, bool show_password)
{
	json_t	   *o = json_object();
	char	   *url = format_str(lg_config_format_url, c, show_password);

	json_object_set_new(o, "source", jstr(lg_config_source(c)));
	json_object_set_new(o, "url", json_str_or_null(url));
	json_object_set_new(o, "host", json_str_or_null(lg_config_host(c)));
	json_object_set_new(o, "port", json_integer(lg_config_port(c)));
	json_object_set_new(o, "database", json_str_or_null(lg_config_database(c)));
	json_object_set_new(o, "user", json_str_or_null(lg_config_user(c)));
	json_object_set_new(o, "environment", jstr(lg_environment_name(lg_config_environment(c))));
	json_object_set_new(o, "driver", jstr(lg_driver_name(lg_config_driver(c))));
	json_object_set_new(o, "pool_mode", jstr(lg_pool_mode_name(lg_config_pool_mode(c))));
	json_object_set_new(o, "max", json_integer(lg_config_max(c)));
	json_object_set_new(o, "idle_timeout_ms", json_integer(lg_config_idle_timeout_ms(c)));
	json_object_set_new(o, "connect_timeout_ms", json_integer(lg_config_connect_timeout_ms(c)));
	json_object_set_new(o, "health_check_after_ms", json_integer(lg_config_health_check_after_ms(c)));
	json_object_set_new(o, "max_lifetime_ms", json_integer(lg_config_max_lifetime_ms(c)));
	json_object_set_new(o, "keepalive", json_boolean(lg_config_keepalive(c)));
	json_object_set_new(o, "sslmode", jstr(lg_config_sslmode(c)));
	json_object_set_new(o, "application_name", jstr(lg_config_application_name(c)));
	json_object_set_new(o, "prepared_statements", json_boolean(lg_config_prepared_statements(c)));
	json_object_set_new(o, "session_settings", json_boolean(lg_config_session_settings(c)));
	json_object_set_new(o, "statement_cache", json_boolean(lg_config_statement_cache(c)));
	json_object_set_new(o, "startup_options", json_boolean(lg_config_pool_mode(c) == LG_POOL_SESSION));
	json_object_set_new(o, "has_password", json_boolean(lg_config_has_password(c)));
	if (url)
		explicit_bzero(url, strlen(url));	/* may hold a secret */
	free(url);
	return o;
}

/* after building o: refuse values jansson could not take */
static bool
utf8_ok(const lg_config *c, json_t *o)
{
	if (!bad_utf8)
		return true;
	json_decref(o);
	cli_error("invalid %s: a value in it is not valid UTF-8", lg_config_source(c));
	return false;
}

/*
 * The connectionString of the node-pg format: user, password, host, port
 * and database only, so that node-postgres's own parsing of sslmode and
 * friends cannot override the explicit options next to it.  NULL for a
 * socket directory (it goes in the host field alone).
 */
static char *
node_pg_url(const lg_config *c, const char *host)
{
	const char *user = lg_config_user(c);
	const char *pw = lg_config_password(c);
	const char *db = lg_config_database(c);
	lg_strbuf	url;

	if (host && host[0] == '/')
		return NULL;
	lg_strbuf_init(&url);
	lg_strbuf_put_uri_start(&url, user, pw, false);
	if (host)
	{
		if (strchr(host, ':'))
			lg_strbuf_printf(&url, "[%s]", host);
		else
			lg_strbuf_put_pct(&url, host);
		lg_strbuf_printf(&url, ":%d", lg_config_port(c));
	}
	lg_strbuf_puts(&url, "/");
	if (db)
		lg_strbuf_put_pct(&url, db);
	if (url.oom)
		lg_strbuf_free(&url);
	return url.data;
}

/*
 * node-postgres new Pool(options): every value explicit and nonzero (pg
 * turns max: 0 into 10 and treats 0 timeouts as "none"), except where 0 is
 * meant and is pg's default (maxLifetimeSeconds).  ssl follows
 * libpq's sslmode: require encrypts without verifying, verify-* verify.
 * node-postgres connects to one host: the first of a list.
 */
/* node-postgres's name of a field of config_json, in node-postgres's order */
static const char *const node_pg_names[][2] = {
	{"port", "port"}, {"database", "database"}, {"user", "user"}, {"max", "max"},
	{"idleTimeoutMillis", "idle_timeout_ms"}, {"connectionTimeoutMillis", "connect_timeout_ms"},
	{"application_name", "application_name"}, {"keepAlive", "keepalive"},
};

static json_t *
node_pg_json(const lg_config *c, bool show_password)
{
	json_t	   *o = json_object();
	json_t	   *fields = config_json(c, false);
	const char *sslmode = lg_config_sslmode(c);
	const char *host = lg_config_host(c);
	char	   *first_host = NULL;

	if (host)
		first_host = strndup(host, strcspn(host, ","));
	if (show_password)
	{
		char	   *url = node_pg_url(c, first_host);

		if (url)
		{
			json_object_set_new(o, "connectionString", jstr(url));
			explicit_bzero(url, strlen(url));
			free(url);
		}
		if (lg_config_password(c))
			json_object_set_new(o, "password", jstr(lg_config_password(c)));
	}
	if (first_host)
		json_object_set_new(o, "host", jstr(first_host));
	/* the fields of config_json, as node-postgres names them; nulls left out */
	for (int i = 0; i < (int) (sizeof(node_pg_names) / sizeof(node_pg_names[0])); i++)
	{
		json_t	   *v = json_object_get(fields, node_pg_names[i][1]);

		if (v != NULL && !json_is_null(v))
			json_object_set(o, node_pg_names[i][0], v);
	}
	/*
	 * maxLifetimeSeconds counts whole seconds (rounded up here) and has no
	 * jitter; 0 (no limit) is node-postgres's default, so it is left out.
	 * node-postgres has no checkout health check to configure.
	 */
	if (lg_config_max_lifetime_ms(c) > 0)
		json_object_set_new(o, "maxLifetimeSeconds",
							json_integer((lg_config_max_lifetime_ms(c) + 999) / 1000));
	if (strcmp(sslmode, "require") == 0)
	{
		json_t	   *ssl = json_object();

		json_object_set_new(ssl, "rejectUnauthorized", json_false());
		json_object_set_new(o, "ssl", ssl);
	}
	else if (strcmp(sslmode, "verify-ca") == 0 || strcmp(sslmode, "verify-full") == 0)
		json_object_set_new(o, "ssl", json_true());
	else
		json_object_set_new(o, "ssl", json_false());
	free(first_host);
	json_decref(fields);
	return o;
}

/* shell single-quoting */
static void
put_shell(const char *name, const char *value)
{
	printf("%s='", name);
	for (const char *p = value; *p;)
	{
		size_t		n = strcspn(p, "'");

		fwrite(p, 1, n, stdout);
		p += n;
		if (*p == '\'')
		{
			fputs("'\\''", stdout);	/* end the quote, a quote, quote again */
			p++;
		}
	}
	fputs("'\n", stdout);
}

typedef struct env_ctx
{
	PQconninfoOption *defaults;
	bool		show_password;
} env_ctx;

/* a libpq parameter as its PG* environment variable, when it has one */
static void
env_param(const char *keyword, const char *value, void *arg)
{
	env_ctx    *ctx = arg;

	for (PQconninfoOption *o = ctx->defaults; o && o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0)
		{
			/* libpq's password-like options ("*") only when asked */
			if (!ctx->show_password && o->dispchar && o->dispchar[0] == '*')
				return;
			if (o->envvar != NULL)
				put_shell(o->envvar, value);
			return;
		}
}

static int
print_env(const lg_config *c, bool show_password)
{
	json_t	   *o = config_json(c, show_password);
	const char *key;
	json_t	   *value;
	env_ctx		ctx;
	char		buf[32];

	if (!utf8_ok(c, o))
		return EXIT_USAGE;
	json_object_foreach(o, key, value)
	{
		char		name[64];
		char	   *u;

		snprintf(name, sizeof(name), "LIFEGUARD_%s", key);
		for (u = name; *u; u++)
			if (*u >= 'a' && *u <= 'z')
				*u = (char) (*u - 'a' + 'A');
		if (json_is_string(value))
			put_shell(name, json_string_value(value));
		else if (json_is_integer(value))
		{
			snprintf(buf, sizeof(buf), "%lld", (long long) json_integer_value(value));
			put_shell(name, buf);
		}
		else if (json_is_boolean(value))
			put_shell(name, json_is_true(value) ? "true" : "false");
		else
			put_shell(name, "");
	}
	json_decref(o);

	ctx.defaults = PQconndefaults();
	ctx.show_password = show_password;
	lg_config_foreach_param(c, env_param, &ctx);
	snprintf(buf, sizeof(buf), "%d", (lg_config_connect_timeout_ms(c) + 999) / 1000 < 2 ?
			 2 : (lg_config_connect_timeout_ms(c) + 999) / 1000);
	put_shell("PGCONNECT_TIMEOUT", buf);
	PQconninfoFree(ctx.defaults);
	return EXIT_OK;
}

static int
print_json(const lg_config *c, json_t *o)
{
	char	   *s;

	if (!utf8_ok(c, o))
		return EXIT_USAGE;
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
	{
		cli_error("could not format JSON: out of memory");
		return EXIT_CHECK;
	}
	puts(s);
	explicit_bzero(s, strlen(s));	/* may hold a secret */
	free(s);
	return EXIT_OK;
}

static int
print_text(const lg_config *c, bool show_password)
{
	json_t	   *o = config_json(c, show_password);
	const char *key;
	json_t	   *value;

	if (!utf8_ok(c, o))
		return EXIT_USAGE;
	json_object_foreach(o, key, value)
	{
		printf("%-20s ", key);
		if (json_is_string(value))
			printf("%s\n", json_string_value(value));
		else if (json_is_integer(value))
			printf("%lld\n", (long long) json_integer_value(value));
		else if (json_is_boolean(value))
			printf("%s\n", json_is_true(value) ? "true" : "false");
		else
			printf("(default)\n");
	}
	json_decref(o);
	return EXIT_OK;
}

int
cmd_config(const cli_args *args, cli_db *db)
{
	bool		show_password = cli_given(args, CONFIG_SHOW_PASSWORD);
	lg_config  *c;
	lg_error	err;
	int			rc;

	(void) db;
	if (cli_given(args, CONFIG_LIST_VARIABLES))
	{
		list_variables();
		return EXIT_OK;
	}
	if (lg_config_resolve(NULL, cli_given(args, CONFIG_DIRECT) ? LG_CONFIG_DIRECT : 0,
						  &c, &err) != LG_OK)
	{
		cli_error("%s", err.message);
		return cli_exit_code(err.status);
	}
	switch (cli_number(args, CONFIG_FORMAT))
	{
		case FORMAT_TEXT:
			rc = print_text(c, show_password);
			break;
		case FORMAT_JSON:
			rc = print_json(c, config_json(c, show_password));
			break;
		case FORMAT_NODE_PG:
			rc = print_json(c, node_pg_json(c, show_password));
			break;
		case FORMAT_ENV:
			rc = print_env(c, show_password);
			break;
		case FORMAT_CONNINFO:
			{
				char	   *s = format_str(lg_config_format_conninfo, c, show_password);

				if (s == NULL)
				{
					cli_error("out of memory");
					rc = EXIT_CHECK;
					break;
				}
				puts(s);
				explicit_bzero(s, strlen(s));	/* may hold a secret */
				free(s);
				rc = EXIT_OK;
				break;
			}
		default:
			rc = EXIT_USAGE;
	}
	lg_config_free(c);
	return rc;
}
