/*-------------------------------------------------------------------------
 *
 * lg_internal.h
 *	  Definitions shared by the sources of liblifeguard; not installed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_INTERNAL_H
#define LG_INTERNAL_H

#include "lifeguard.h"

#include <stdarg.h>

/*
 * Upper bounds of the numeric settings (the lower bound is 1, or 0 for the
 * health check threshold and the lifetime, where 0 means "every time" and
 * "no limit").
 */
#define LG_MAX_POOL_MAX			10000
#define LG_MAX_IDLE_TIMEOUT_MS	86400000	/* one day */
#define LG_MAX_CONNECT_TIMEOUT_MS 3600000	/* one hour */
#define LG_MAX_HEALTH_CHECK_AFTER_MS 86400000	/* one day */
#define LG_MAX_MAX_LIFETIME_MS	604800000	/* one week */

/* Defaults of DATABASE_POOL_HEALTH_CHECK_AFTER and DATABASE_POOL_MAX_LIFETIME */
#define LG_DEFAULT_HEALTH_CHECK_AFTER_MS 1000
#define LG_DEFAULT_MAX_LIFETIME_MS 1800000	/* 30 minutes */

/* One libpq connection parameter, as given or as added by lifeguard. */
typedef struct lg_param
{
	char	   *keyword;
	char	   *value;
} lg_param;

struct lg_config
{
	const char *source;			/* "DATABASE_URL" or "DIRECT_URL" */
	bool		is_uri;
	lg_environment environment;
	lg_driver	driver;
	lg_pool_mode pool_mode;
	int			max;
	int			idle_timeout_ms;
	int			connect_timeout_ms;
	int			health_check_after_ms;	/* 0: a round trip at every checkout */
	int			max_lifetime_ms;	/* 0: no limit */
	bool		keepalive;
	bool		statement_cache;	/* DATABASE_STATEMENT_CACHE=on */
	char	   *application_name;
	char	   *sslmode;

	/* what the connection string says, pgbouncer=true removed */
	int			nurl;
	lg_param   *url;
	/* what libpq gets: url plus application_name, sslmode, keepalives */
	int			nparams;
	lg_param   *params;
	/* libpq's keyword/value arrays over params, NULL-terminated */
	const char **keywords;
	const char **values;

	const char *host;			/* first host, or NULL */
	int			port;
	const char *database;
	const char *user;
	const char *password;
};

/* Fill *err (when not NULL); returns status.  The message is one line. */
extern lg_status lg_fail(lg_error *err, lg_status status, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Turn a multi-line libpq message into one line, in place. */
extern void lg_one_line(char *s);

/*
 * params.c: arrays of lg_param (malloc'd, n entries); every value is wiped
 * before it is freed or replaced.
 */
/* The value of param keyword in an array, or NULL. */
extern const char *lg_param_get(const lg_param *params, int n,
								const char *keyword);
/* Set or add keyword; false when out of memory. */
extern bool lg_params_set(lg_param **params, int *n, const char *keyword,
						  const char *value);
extern void lg_params_remove(lg_param *params, int *n, const char *keyword);
/* A copy of n params; NULL when out of memory. */
extern lg_param *lg_params_dup(const lg_param *src, int n);
extern void lg_params_free(lg_param *params, int n);
/* Free a string that may hold a secret, wiping it first. */
extern void lg_wipe_free(char *s);

/*
 * redact.c: secrets of connection strings.  An lg_secrets list holds
 * malloc'd copies (wiped with explicit_bzero when freed); oom is set when
 * one could not be added.  Zero-initialise it.
 */
typedef struct lg_secrets
{
	char	  **v;
	int			n;
	bool		oom;
} lg_secrets;

/* Add a secret (as written, percent-decoded and unescaped). */
extern void lg_secrets_add(lg_secrets *s, const char *value, size_t len);
extern void lg_secrets_free(lg_secrets *s);
/* Replace every secret in msg (a buffer of size bytes) by "****". */
extern void lg_secrets_scrub(const lg_secrets *s, char *msg, size_t size);
/* Whether a libpq keyword carries a secret (password-like or unknown). */
extern bool lg_option_is_secret(const char *keyword, size_t len);
/* Length of the scheme of a URL-shaped string ("x://"), 0 when none. */
extern size_t lg_url_scheme_length(const char *s);
/* The '@' that ends the user info of a URL (start: after "://"), or NULL. */
extern const char *lg_url_userinfo_end(const char *start);
/*
 * Collect the secrets of a raw connection string (URL-shaped or key=value)
 * and write it with each of them as "****" into buf; returns the bytes
 * needed, like snprintf.
 */
extern size_t lg_redact_conninfo(const char *raw, lg_secrets *s, char *buf,
								 size_t size);
/* The secrets of a resolved config (values of password-like options). */
extern void lg_config_secrets(const lg_config *config, lg_secrets *s);

/* A deep copy of a config; NULL when out of memory. */
extern lg_config *lg_config_dup(const lg_config *src);

/* Monotonic clock in milliseconds and microseconds. */
#include "lg_clock.h"

/*
 * Open a connection with the parameters of config, bounded by an absolute
 * monotonic deadline in milliseconds.  Returns NULL and fills err on
 * failure.
 */
extern PGconn *lg_connect(const lg_config *config, int64_t deadline_ms,
						  lg_error *err);

#endif							/* LG_INTERNAL_H */
