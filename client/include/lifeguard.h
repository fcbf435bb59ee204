/*-------------------------------------------------------------------------
 *
 * lifeguard.h
 *	  liblifeguard: the lifeguard client shim.  Turns DATABASE_URL and a few
 *	  environment variables into a driver mode and pool settings, applies
 *	  them in a small thread-safe libpq pool, and makes prefixed CUID2 ids.
 *
 * Conventions
 *	  - Every type is opaque; create it with its _create/_from function and
 *		free it with its _free/_destroy function.
 *	  - Every fallible function returns an lg_status (LG_OK is zero) and,
 *		on failure and when err is not NULL, fills *err with the status and a
 *		one-line message (on success *err is not meaningful).  Messages name
 *		the variable and the value at fault and never contain a password.
 *	  - Strings returned by an lg_config accessor belong to the config and
 *		live as long as it does.
 *
 * Thread safety
 *	  - An lg_config is immutable once made: any number of threads may read
 *		it at the same time.
 *	  - An lg_pool may be used from any number of threads at once.
 *	  - An lg_conn belongs to the thread that acquired it until it is
 *		released; it must not be used by two threads at the same time.
 *	  - lg_id_generate and lg_id_cuid2 are thread-safe (each thread has
 *		its own generator, made again after fork()).
 *	  - A pool must not be used across fork(): make a new one in the child.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_CLIENT_H
#define LIFEGUARD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

/* LG_VERSION, made from lifeguard.control by client/Makefile */
#include "lifeguard_version.h"

#ifdef __cplusplus
extern "C"
{
#endif

/*
 * Status codes.  The values of LG_ERR_CONFIG and LG_ERR_CONNECT are the CLI
 * exit codes of docs/cli.md (2: bad usage or configuration, 3: cannot
 * connect).
 */
typedef enum lg_status
{
	LG_OK = 0,
	LG_ERR_CONFIG = 2,			/* bad environment variable, URL or argument */
	LG_ERR_CONNECT = 3,			/* could not connect (refused, deadline, auth) */
	LG_ERR_TIMEOUT = 4,			/* no pool connection free before the deadline */
	LG_ERR_QUERY = 5,			/* the server reported an error */
	LG_ERR_BROKEN = 6,			/* the connection broke during a call */
	LG_ERR_MISUSE = 7,			/* not allowed in this mode or state */
	LG_ERR_CLOSED = 8,			/* the pool is being destroyed */
	LG_ERR_INTERNAL = 9			/* out of memory, random source, ... */
} lg_status;

#define LG_ERROR_MESSAGE_SIZE 512

typedef struct lg_error
{
	lg_status	status;
	char		sqlstate[6];	/* server SQLSTATE for LG_ERR_QUERY, else "" */
	char		message[LG_ERROR_MESSAGE_SIZE];	/* one line, no password */

	/*
	 * LG_ERR_BROKEN only: whether the statement may have reached the server.
	 * false: the connection was found lost before the statement was sent
	 * (the message starts "connection lost before the statement was sent");
	 * the statement did not run: outside a transaction it can be run again
	 * on another connection (inside one, the whole transaction is lost).
	 * true: the connection broke after the statement was sent
	 * ("connection lost after the statement was sent; it may have run"); it
	 * may have run, and a COMMIT may have committed.  lifeguard never runs
	 * a statement again by itself.  false for every other status.  (It sits
	 * in what was the struct's tail padding: sizeof(lg_error) is as in
	 * 0.1.0.)
	 */
	bool		statement_sent;
} lg_error;

/* The short name of a status ("config", "connect", "timeout", ...). */
extern const char *lg_status_name(lg_status status);

/* ------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------
 */

typedef struct lg_config lg_config;

typedef enum lg_environment
{
	LG_ENV_PRODUCTION,
	LG_ENV_STAGING,
	LG_ENV_DEVELOPMENT,
	LG_ENV_TEST
} lg_environment;

typedef enum lg_driver
{
	LG_DRIVER_PG,
	LG_DRIVER_NEON,
	LG_DRIVER_PGBOUNCER
} lg_driver;

typedef enum lg_pool_mode
{
	LG_POOL_SESSION,
	LG_POOL_TRANSACTION
} lg_pool_mode;

/* Options for lg_config_resolve. */
#define LG_CONFIG_DIRECT	0x01	/* the unpooled connection (DIRECT_URL) */

/*
 * Resolve the configuration.  env is a NULL-terminated array of
 * "NAME=VALUE" strings (like environ); NULL means the process environment.
 * The variables read are those of lg_config_variable() below (listed in
 * docs/environment.md and by `lifeguard config --list-variables`).
 * On success *out is a new config the caller frees with lg_config_free.
 */
extern lg_status lg_config_resolve(const char *const *env, int options,
								   lg_config **out, lg_error *err);
extern void lg_config_free(lg_config *config);

/* Which variable the URL came from: "DATABASE_URL" or "DIRECT_URL". */
extern const char *lg_config_source(const lg_config *config);
extern lg_environment lg_config_environment(const lg_config *config);
extern lg_driver lg_config_driver(const lg_config *config);
extern lg_pool_mode lg_config_pool_mode(const lg_config *config);
extern int	lg_config_max(const lg_config *config);
extern int	lg_config_idle_timeout_ms(const lg_config *config);
extern int	lg_config_connect_timeout_ms(const lg_config *config);
/*
 * DATABASE_POOL_HEALTH_CHECK_AFTER: a connection idle in the pool at least
 * this long (ms) gets a round trip to the server before it is handed out;
 * 0: at every checkout.  Default 1000.
 */
extern int	lg_config_health_check_after_ms(const lg_config *config);
/*
 * DATABASE_POOL_MAX_LIFETIME: the longest a connection lives (ms); each
 * connection gets a lifetime drawn between 90% and 100% of it, so that
 * connections opened together do not all close together.  0: no limit.
 * Default 1800000 (30 minutes).
 */
extern int	lg_config_max_lifetime_ms(const lg_config *config);
extern bool lg_config_keepalive(const lg_config *config);
extern const char *lg_config_application_name(const lg_config *config);
/* sslmode libpq will use; "prefer" (libpq's default) when the URL has none */
extern const char *lg_config_sslmode(const lg_config *config);
/* whether named prepared statements / session SET may be used */
extern bool lg_config_prepared_statements(const lg_config *config);
extern bool lg_config_session_settings(const lg_config *config);
/*
 * whether lg_conn_query keeps a per-connection cache of named prepared
 * statements (DATABASE_STATEMENT_CACHE=on; session pooling only)
 */
extern bool lg_config_statement_cache(const lg_config *config);
/* first host and port as given (NULL host: libpq's default) */
extern const char *lg_config_host(const lg_config *config);
extern int	lg_config_port(const lg_config *config);
extern const char *lg_config_database(const lg_config *config);
extern const char *lg_config_user(const lg_config *config);
/* whether the URL carries a password */
extern bool lg_config_has_password(const lg_config *config);
extern const char *lg_config_password(const lg_config *config);
/* whether the URL was given as a URI (else key=value) */
extern bool lg_config_is_uri(const lg_config *config);

extern const char *lg_environment_name(lg_environment env);
extern const char *lg_driver_name(lg_driver driver);
extern const char *lg_pool_mode_name(lg_pool_mode mode);

/*
 * The libpq connection parameters the pool uses: what the URL says (minus
 * pgbouncer=true) plus application_name, sslmode, keepalives.
 * connect_timeout is not among them: the pool enforces the connect deadline
 * itself, in milliseconds.  Each callback gets one keyword and its value.
 */
typedef void (*lg_param_fn) (const char *keyword, const char *value, void *arg);
extern void lg_config_foreach_param(const lg_config *config, lg_param_fn fn,
									void *arg);

/*
 * The connection string in the form it was given (URI or key=value), with
 * pgbouncer=true removed and the password shown as "****" unless
 * show_password.  Returns the number of bytes needed (without the
 * terminator), like snprintf.
 */
extern size_t lg_config_format_url(const lg_config *config, bool show_password,
								   char *buf, size_t size);

/*
 * A key=value conninfo string for libpq tools (psql, pg_dump): the
 * parameters of lg_config_foreach_param plus connect_timeout in whole
 * seconds (rounded up, at least 2, as libpq treats smaller values as 2).
 * The password is left out unless show_password.  Returns the bytes needed.
 */
extern size_t lg_config_format_conninfo(const lg_config *config,
										bool show_password,
										char *buf, size_t size);

/*
 * Replace, in msg (a buffer of size bytes), every secret of the
 * configuration (the value of each option libpq marks as password-like:
 * password, sslpassword, ...) by "****".  For messages built outside the
 * library that may quote a server's or libpq's words.
 */
extern void lg_config_redact(const lg_config *config, char *msg, size_t size);

/*
 * The environment variables lg_config_resolve reads, in the order it
 * reads them: the name of the i-th and (when summary is not NULL) a
 * one-line description; NULL past the last.
 */
extern const char *lg_config_variable(int i, const char **summary);

/*
 * Copy the message src into dst (size bytes); a message that does not fit
 * keeps its start and its end (where libpq puts the reason), joined by
 * " ... ".  dst and src may be the same buffer.
 */
extern void lg_message_fit(char *dst, size_t size, const char *src);

/* ------------------------------------------------------------------------
 * Connections and the pool
 * ------------------------------------------------------------------------
 */

typedef struct lg_pool lg_pool;
typedef struct lg_conn lg_conn;

typedef struct lg_pool_stats
{
	int			open;			/* connections that exist (idle + in use) */
	int			idle;			/* open and waiting in the pool */
	int			in_use;			/* handed out and not yet released */
	int			connecting;		/* being opened right now */
	int			waiting;		/* callers waiting for a connection */
	uint64_t	created;		/* connections opened since the pool was made */
	uint64_t	closed;			/* connections closed (any reason) */
	uint64_t	timeouts;		/* acquires that gave up at the deadline */
	uint64_t	connect_failures;	/* connection attempts that failed */
	uint64_t	discarded;		/* closed because broken or left dirty */
	uint64_t	rolled_back;	/* released inside a transaction, rolled back */
	uint64_t	idle_closed;	/* closed by the idle timeout */
} lg_pool_stats;

/*
 * Counters of the checkout check and of connection lifetimes, since the
 * pool was made.  Apart from lg_pool_stats, whose size is part of the
 * library's binary interface since 0.1.0.
 */
typedef struct lg_pool_upkeep_stats
{
	uint64_t	health_checks;	/* round trips made at checkout */
	uint64_t	lifetime_closed;	/* closed at the end of their lifetime */
} lg_pool_upkeep_stats;

/*
 * Make a pool for config (the pool copies what it needs; the config may be
 * freed afterwards).  No connection is opened until the first acquire.  A
 * background thread closes connections idle longer than the idle timeout,
 * and idle connections at the end of their lifetime.
 */
extern lg_status lg_pool_create(const lg_config *config, lg_pool **out,
								lg_error *err);

/*
 * Close every connection and free the pool.  Waiters get LG_ERR_CLOSED.
 * Blocks until every acquired connection has been released.
 */
extern void lg_pool_destroy(lg_pool *pool);

/*
 * Get a connection.  The whole call, waiting for a free connection and
 * opening a new one included, is bounded by the connect timeout of the
 * configuration (LG_ERR_TIMEOUT when waiting ran out, LG_ERR_CONNECT when
 * a connection could not be opened in time).
 *
 * A connection is checked before it is handed out, and discarded and
 * replaced when the check fails: always, without a round trip, for a
 * server that closed it (a FATAL message or the end of the stream on its
 * socket: pg_terminate_backend, a restart, idle_session_timeout, a pooler
 * closing it); and with a round trip to the server (an empty statement,
 * given at most half of what is left of the deadline) when the connection
 * sat idle at least DATABASE_POOL_HEALTH_CHECK_AFTER, or when anything
 * arrived on it while idle.  A connection at the end of its lifetime is
 * closed instead of handed out.
 */
extern lg_status lg_pool_acquire(lg_pool *pool, lg_conn **out, lg_error *err);

/*
 * As lg_pool_acquire, with a deadline of timeout_ms from now instead.
 */
extern lg_status lg_pool_acquire_timeout(lg_pool *pool, int timeout_ms,
										 lg_conn **out, lg_error *err);

/*
 * Give a connection back.  A connection inside a transaction (open or
 * failed) is rolled back (within the connection timeout); one that is
 * broken, busy with a query, or whose rollback fails is closed, and so is
 * one past its lifetime (DATABASE_POOL_MAX_LIFETIME; a connection in use
 * is never closed by the pool).  The next caller never sees it dirty.
 */
extern void lg_pool_release(lg_pool *pool, lg_conn *conn);

extern void lg_pool_stats_get(lg_pool *pool, lg_pool_stats *stats);
extern void lg_pool_upkeep_stats_get(lg_pool *pool, lg_pool_upkeep_stats *stats);

/* The underlying libpq connection, for calls lifeguard does not wrap. */
extern PGconn *lg_conn_pgconn(lg_conn *conn);

/*
 * Run one SQL statement with optional text parameters ($1, $2, ...).
 * By default it goes through the unnamed statement only (the extended
 * protocol with no named prepared statement), which is safe under
 * transaction pooling and invisible to lifeguard's pooling audit.  With
 * DATABASE_STATEMENT_CACHE=on (session pooling only) each distinct
 * statement is prepared once per connection, as
 * lg_<generation>_<n>, and reused (up to 64 per connection; statement names
 * starting with "lg_" are reserved).  Outside a transaction, a cached
 * statement whose plan went stale ("cached plan must not change result
 * type") is prepared again, and one that is gone (the application ran
 * DEALLOCATE or DISCARD ALL) starts a new cache, the call running unnamed;
 * inside a transaction these are errors like any other.
 *
 * On success *result (when not NULL) receives the PGresult, which the
 * caller frees with PQclear.  A server error gives
 * LG_ERR_QUERY with the SQLSTATE; a broken connection LG_ERR_BROKEN (the
 * pool then discards it on release), with err->statement_sent telling
 * whether the statement may have run.  A connection that sat unused for a
 * millisecond or more is checked for a server that closed it before the
 * statement is sent (no round trip).
 */
extern lg_status lg_conn_query(lg_conn *conn, const char *sql,
							   int nparams, const char *const *params,
							   PGresult **result, lg_error *err);

/*
 * Named prepared statements: LG_ERR_MISUSE under transaction pooling,
 * where a later transaction may run on another server connection.
 */
extern lg_status lg_conn_prepare(lg_conn *conn, const char *name,
								 const char *sql, lg_error *err);
extern lg_status lg_conn_exec_prepared(lg_conn *conn, const char *name,
									   int nparams, const char *const *params,
									   PGresult **result, lg_error *err);

/*
 * set_config(name, value, is_local).  A session-level setting (local
 * false) is LG_ERR_MISUSE under transaction pooling; use local inside a
 * transaction instead.
 */
extern lg_status lg_conn_set(lg_conn *conn, const char *name,
							 const char *value, bool local, lg_error *err);

/*
 * The transaction helper: acquires a connection, runs BEGIN, calls fn, and
 * COMMITs when fn returns LG_OK, or ROLLBACKs when it returns anything else
 * (its status and err are then returned).  A COMMIT that the server turns
 * into a rollback is an error.  The connection is released in every case.
 */
typedef lg_status (*lg_txn_fn) (lg_conn *conn, void *arg, lg_error *err);
extern lg_status lg_pool_transaction(lg_pool *pool, lg_txn_fn fn, void *arg,
									 lg_error *err);

/* ------------------------------------------------------------------------
 * Identifiers (the same algorithm as @paralleldrive/cuid2 3.x and the SQL
 * function gen_prefixed_id)
 * ------------------------------------------------------------------------
 */

#define LG_ID_MIN_LENGTH		2
#define LG_ID_MAX_LENGTH		32
#define LG_ID_DEFAULT_LENGTH	24
#define LG_ID_PREFIX_MAX		63
/* buffer size that fits any prefixed id and its terminator */
#define LG_ID_BUFFER_SIZE		(LG_ID_PREFIX_MAX + 1 + LG_ID_MAX_LENGTH + 1)

/* A bare CUID2 of length 2..32 into out (length + 1 bytes). */
extern lg_status lg_id_cuid2(int length, char *out, size_t size,
							 lg_error *err);

/*
 * prefix + "_" + a CUID2 of length 2..32.  The prefix is 1 to 63 lowercase
 * ASCII letters, digits and underscores, starting with a letter and not
 * ending with an underscore.
 */
extern lg_status lg_id_generate(const char *prefix, int length, char *out,
								size_t size, lg_error *err);

/* The reference isCuid() and the prefixed-id check of is_prefixed_id(). */
extern bool lg_id_is_cuid2(const char *id);
extern bool lg_id_is_prefixed(const char *id, const char *prefix);

#ifdef __cplusplus
}
#endif

#endif							/* LIFEGUARD_CLIENT_H */
