/*-------------------------------------------------------------------------
 *
 * config_internal.h
 *	  What the files of configuration resolution share: the environment
 *	  variables (config_vars.c) and the connection string (config_url.c),
 *	  from which config.c resolves a configuration step by step.  Not
 *	  installed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_CONFIG_INTERNAL_H
#define LG_CONFIG_INTERNAL_H

#include "lg_internal.h"

/*
 * Every environment variable lifeguard reads: the rows of the table in
 * config_vars.c, listed (lg_config_variable, docs/environment.md) in this
 * order.  Resolution refers to a variable by its row, never by its name.
 */
typedef enum lg_var
{
	LG_VAR_DATABASE_URL,
	LG_VAR_DIRECT_URL,
	LG_VAR_APP_ENV,
	LG_VAR_NODE_ENV,
	LG_VAR_DATABASE_DRIVER,
	LG_VAR_NEON_DATABASE,
	LG_VAR_DATABASE_POOL_MODE,
	LG_VAR_DATABASE_POOL_MAX,
	LG_VAR_DATABASE_POOL_IDLE_TIMEOUT,
	LG_VAR_DATABASE_CONNECTION_TIMEOUT,
	LG_VAR_DATABASE_POOL_HEALTH_CHECK_AFTER,
	LG_VAR_DATABASE_POOL_MAX_LIFETIME,
	LG_VAR_APP_NAME,
	LG_VAR_DATABASE_STATEMENT_CACHE,
	LG_NVARS
} lg_var;

/*
 * The values of the variables that choose from a list, as their index in
 * it: APP_ENV and NODE_ENV an lg_environment, DATABASE_POOL_MODE an
 * lg_pool_mode, DATABASE_DRIVER an lg_want_driver, NEON_DATABASE and
 * DATABASE_STATEMENT_CACHE an lg_switch.
 */
typedef enum lg_want_driver
{
	LG_WANT_AUTO, LG_WANT_PG, LG_WANT_NEON, LG_WANT_PGBOUNCER
} lg_want_driver;

typedef enum lg_switch
{
	LG_SWITCH_ON, LG_SWITCH_OFF
} lg_switch;

/* What the environment says of one variable. */
typedef struct lg_var_value
{
	const char *value;			/* as set; NULL when unset */
	bool		read;			/* set and read (see the table's unless) */
	int			number;			/* when read: a choice's index, an integer */
} lg_var_value;

/* config_vars.c */

/* A variable's value in env ("NAME=VALUE" strings; NULL: the process's). */
extern const char *lg_getvar(const char *const *env, const char *name);

/* The value of every variable in env (indexed by lg_var), none read yet. */
extern void lg_vars_collect(const char *const *env, lg_var_value *vals);

/*
 * Read every variable that was set, each checked as its row says; the
 * first bad value is the error.  Nothing here depends on another
 * variable's value but the table's own rule of which variable is not read
 * while another is set (NODE_ENV while APP_ENV is).
 */
extern lg_status lg_vars_check(lg_var_value *vals, lg_error *err);

/*
 * The integer settings of c: each variable's value where it was set, else
 * its fixed default; those whose default is the profile's keep what c has.
 */
extern void lg_vars_apply_ints(const lg_var_value *vals, lg_config *c);

extern const char *lg_var_name(lg_var var);

/*
 * A strictly decimal integer in [minval, maxval] for the setting name
 * (no sign, spaces or units; no silent default): LG_OK and *out, or the
 * error naming it.
 */
extern lg_status lg_parse_setting(const char *name, const char *value,
								  int minval, int maxval, int *out,
								  lg_error *err);

/* config_url.c */

/* Whether a connection string is a URI (postgresql:// or postgres://). */
extern bool lg_conninfo_is_uri(const char *s);
/* A port "1".."65535" of len bytes. */
extern bool lg_port_parse(const char *s, size_t len, int *out);
/* Whether a host of a list (len bytes) is under neon.tech. */
extern bool lg_host_is_neon(const char *h, size_t len);
/* Whether the first label of a host (len bytes) ends in -pooler. */
extern bool lg_host_is_pooler(const char *h, size_t len);
/* A host list with "-pooler" removed from each host's first label (malloc'd). */
extern char *lg_hosts_strip_pooler(const char *hosts);

/*
 * Parse the connection string raw of variable var with libpq into c->url
 * (and c->is_uri); *pgbouncer_flag is set when it said pgbouncer=true.
 */
extern lg_status lg_url_parse(lg_config *c, const char *var, const char *raw,
							  bool *pgbouncer_flag, lg_error *err);

#endif							/* LG_CONFIG_INTERNAL_H */
