/*-------------------------------------------------------------------------
 *
 * config_vars.c
 *	  The environment variables of the client: one table, with a row per
 *	  variable saying what kind of value it takes (a connection string, a
 *	  choice from a list, an integer in bounds, or text its own check
 *	  accepts), its one-line summary (for `lifeguard config --help`,
 *	  `--list-variables` and docs/environment.md), and for an integer the
 *	  lg_config field it sets and its default.  Reading checks each value as
 *	  its row says and keeps it for the steps of config.c, which combine
 *	  them (the profile, the driver, the conflicts) once every row is read.
 *
 * Adding a variable is adding its lg_var (config_internal.h) and its row.
 *
 * No shared state: the table is constant.
 *
 *-------------------------------------------------------------------------
 */
#include "config_internal.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "quote.h"
#include "strbuf.h"

extern char **environ;

typedef enum var_kind
{
	VAR_URL,					/* a connection string, read by config.c */
	VAR_CHOICE,					/* one of a list: its index */
	VAR_INT,					/* a strict decimal integer in [min, max] */
	VAR_TEXT					/* any value its check accepts */
} var_kind;

#define VAR_PROFILE INT_MIN		/* an integer whose default the profile sets */

typedef struct var_row
{
	const char *name;
	var_kind	kind;
	const char *summary;		/* one line */

	/* VAR_CHOICE: the values (NULL-terminated) and what they name */
	const char *const *choices;
	const char *noun;			/* "unknown NOUN; expected ...", or NULL */

	/* VAR_INT: bounds, the lg_config field and its default */
	int			min;
	int			max;
	size_t		field;
	int			def;			/* or VAR_PROFILE */

	/* VAR_TEXT: the check of a value */
	lg_status	(*check) (const char *name, const char *value, lg_error *err);

	/* not read while this other variable is set (when has_unless) */
	bool		has_unless;
	lg_var		unless;
} var_row;

static lg_status check_app_name(const char *name, const char *value, lg_error *err);

/* the lists of choices; each value's index is its meaning */
static const char *const environments[] = {[LG_ENV_PRODUCTION] = "production",
[LG_ENV_STAGING] = "staging", [LG_ENV_DEVELOPMENT] = "development", [LG_ENV_TEST] = "test", NULL};
static const char *const drivers[] = {[LG_WANT_AUTO] = "auto", [LG_WANT_PG] = "pg",
[LG_WANT_NEON] = "neon", [LG_WANT_PGBOUNCER] = "pgbouncer", NULL};
static const char *const pool_modes[] = {[LG_POOL_SESSION] = "session",
[LG_POOL_TRANSACTION] = "transaction", NULL};
static const char *const true_false[] = {[LG_SWITCH_ON] = "true", [LG_SWITCH_OFF] = "false", NULL};
static const char *const on_off[] = {[LG_SWITCH_ON] = "on", [LG_SWITCH_OFF] = "off", NULL};

#define URL_VAR(name_, summary_) \
	{.name = name_, .kind = VAR_URL, .summary = summary_}
#define CHOICE_VAR(name_, choices_, noun_, summary_) \
	{.name = name_, .kind = VAR_CHOICE, .choices = choices_, .noun = noun_, .summary = summary_}
/* an integer from 1 whose default is the profile's */
#define PROFILE_VAR(name_, field_, max_, summary_) \
	{.name = name_, .kind = VAR_INT, .field = offsetof(lg_config, field_), \
	 .min = 1, .max = max_, .def = VAR_PROFILE, .summary = summary_}
#define INT_VAR(name_, field_, min_, max_, def_, summary_) \
	{.name = name_, .kind = VAR_INT, .field = offsetof(lg_config, field_), \
	 .min = min_, .max = max_, .def = def_, .summary = summary_}

static const var_row variables[LG_NVARS] = {
	[LG_VAR_DATABASE_URL] = URL_VAR("DATABASE_URL",
									"the connection string (URI or key=value)"),
	[LG_VAR_DIRECT_URL] = URL_VAR("DIRECT_URL",
								  "the unpooled connection (--direct); used when DATABASE_URL is unset"),
	[LG_VAR_APP_ENV] = CHOICE_VAR("APP_ENV", environments, "environment",
								  "production, staging, development (default) or test: the profile"),
	[LG_VAR_NODE_ENV] = {.name = "NODE_ENV", .kind = VAR_CHOICE,
		.choices = environments, .noun = "environment",
		.has_unless = true, .unless = LG_VAR_APP_ENV,
	.summary = "the profile when APP_ENV is unset"},
	[LG_VAR_DATABASE_DRIVER] = CHOICE_VAR("DATABASE_DRIVER", drivers, "driver",
										  "auto (default), pg, neon or pgbouncer"),
	[LG_VAR_NEON_DATABASE] = CHOICE_VAR("NEON_DATABASE", true_false, NULL,
										"true forces the neon driver"),
	[LG_VAR_DATABASE_POOL_MODE] = CHOICE_VAR("DATABASE_POOL_MODE", pool_modes, "pool mode",
											 "session or transaction: overrides detection"),
	[LG_VAR_DATABASE_POOL_MAX] = PROFILE_VAR("DATABASE_POOL_MAX", max, LG_MAX_POOL_MAX,
											 "the pool's maximum number of connections"),
	[LG_VAR_DATABASE_POOL_IDLE_TIMEOUT] = PROFILE_VAR("DATABASE_POOL_IDLE_TIMEOUT", idle_timeout_ms,
													  LG_MAX_IDLE_TIMEOUT_MS,
													  "milliseconds after which an idle connection is closed"),
	[LG_VAR_DATABASE_CONNECTION_TIMEOUT] = PROFILE_VAR("DATABASE_CONNECTION_TIMEOUT", connect_timeout_ms,
													   LG_MAX_CONNECT_TIMEOUT_MS,
													   "milliseconds to get a connection (waiting and connecting)"),
	[LG_VAR_DATABASE_POOL_HEALTH_CHECK_AFTER] = INT_VAR("DATABASE_POOL_HEALTH_CHECK_AFTER", health_check_after_ms,
														0, LG_MAX_HEALTH_CHECK_AFTER_MS, LG_DEFAULT_HEALTH_CHECK_AFTER_MS,
														"milliseconds idle after which a connection gets a round trip before it is handed out (0: always)"),
	[LG_VAR_DATABASE_POOL_MAX_LIFETIME] = INT_VAR("DATABASE_POOL_MAX_LIFETIME", max_lifetime_ms,
												  0, LG_MAX_MAX_LIFETIME_MS, LG_DEFAULT_MAX_LIFETIME_MS,
												  "milliseconds (less up to 10% jitter) after which a connection is closed at release (0: no limit)"),
	[LG_VAR_APP_NAME] = {.name = "APP_NAME", .kind = VAR_TEXT, .check = check_app_name,
	.summary = "base of application_name (default app)"},
	[LG_VAR_DATABASE_STATEMENT_CACHE] = CHOICE_VAR("DATABASE_STATEMENT_CACHE", on_off, NULL,
												   "on or off (default): reuse named prepared statements (session pooling)"),
};

const char *
lg_config_variable(int i, const char **summary)
{
	if (i < 0 || i >= LG_NVARS)
		return NULL;
	if (summary)
		*summary = variables[i].summary;
	return variables[i].name;
}

const char *
lg_var_name(lg_var var)
{
	return variables[var].name;
}

const char *
lg_environment_name(lg_environment env)
{
	return environments[env];
}

const char *
lg_pool_mode_name(lg_pool_mode mode)
{
	return pool_modes[mode];
}

const char *
lg_getvar(const char *const *env, const char *name)
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

/* a value for a message: at most LG_QUOTE_MAX bytes, then "..." */
static const char *
quoted(char *buf, const char *value)
{
	size_t		len = strlen(value);

	return lg_quote_bounded(buf, value, len, lg_utf8_cliplen(value, len, LG_QUOTE_MAX));
}

lg_status
lg_parse_setting(const char *name, const char *value, int minval, int maxval,
				 int *out, lg_error *err)
{
	const char *p = value;
	long long	v = 0;
	bool		overflow = false;
	const char *problem = NULL;
	char		q[LG_QUOTE_BUFSIZE];

	if (*value == '\0')
		problem = "empty";
	else if (*p == '-' && p[1] != '\0' && strspn(p + 1, "0123456789") == strlen(p + 1))
		problem = "negative";
	else if (strspn(p, "0123456789") != strlen(p))
		problem = "not a whole number";
	else
	{
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
			problem = "zero";
		else if (overflow || v > maxval || v < minval)
			problem = "out of range";
	}
	if (problem != NULL)
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"%s\": %s; expected an integer from %d to %d",
					   name, quoted(q, value), problem, minval, maxval);
	*out = (int) v;
	return LG_OK;
}

/* a choice: the index of value in the row's list */
static lg_status
parse_choice(const var_row *row, const char *value, int *out, lg_error *err)
{
	char		expected[128];
	char		q[LG_QUOTE_BUFSIZE];
	lg_strbuf	sb;

	for (int i = 0; row->choices[i] != NULL; i++)
		if (strcmp(value, row->choices[i]) == 0)
		{
			*out = i;
			return LG_OK;
		}
	lg_strbuf_fixed(&sb, expected, sizeof(expected));
	lg_strbuf_put_list(&sb, row->choices);
	return lg_fail(err, LG_ERR_CONFIG, "invalid %s \"%s\": %s%s%sexpected %s",
				   row->name, quoted(q, value), row->noun ? "unknown " : "",
				   row->noun ? row->noun : "", row->noun ? "; " : "", expected);
}

/*
 * APP_NAME: printable ASCII, which the server keeps as it is.  Its length
 * depends on the profile's suffix: config.c checks it.
 */
static lg_status
check_app_name(const char *name, const char *value, lg_error *err)
{
	if (value[0] == '\0')
		return lg_fail(err, LG_ERR_CONFIG,
					   "invalid %s \"\": empty; expected a name of printable ASCII characters",
					   name);
	for (const char *p = value; *p; p++)
		if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
			return lg_fail(err, LG_ERR_CONFIG,
						   "invalid %s: contains a character outside printable ASCII (the server would replace it with \"?\")",
						   name);
	return LG_OK;
}

void
lg_vars_collect(const char *const *env, lg_var_value *vals)
{
	for (int i = 0; i < LG_NVARS; i++)
	{
		vals[i].value = lg_getvar(env, variables[i].name);
		vals[i].read = false;
		vals[i].number = 0;
	}
}

lg_status
lg_vars_check(lg_var_value *vals, lg_error *err)
{
	for (int i = 0; i < LG_NVARS; i++)
	{
		const var_row *row = &variables[i];
		lg_var_value *v = &vals[i];
		lg_status	st = LG_OK;

		if (v->value == NULL || (row->has_unless && vals[row->unless].value != NULL))
			continue;
		switch (row->kind)
		{
			case VAR_URL:
				break;
			case VAR_CHOICE:
				st = parse_choice(row, v->value, &v->number, err);
				break;
			case VAR_INT:
				st = lg_parse_setting(row->name, v->value, row->min, row->max, &v->number, err);
				break;
			case VAR_TEXT:
				st = row->check(row->name, v->value, err);
				break;
		}
		if (st != LG_OK)
			return st;
		v->read = true;
	}
	return LG_OK;
}

void
lg_vars_apply_ints(const lg_var_value *vals, lg_config *c)
{
	for (int i = 0; i < LG_NVARS; i++)
	{
		const var_row *row = &variables[i];
		int		   *field = (int *) ((char *) c + row->field);

		if (row->kind != VAR_INT)
			continue;
		if (vals[i].read)
			*field = vals[i].number;
		else if (row->def != VAR_PROFILE)
			*field = row->def;
	}
}
