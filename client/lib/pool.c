/*-------------------------------------------------------------------------
 *
 * pool.c
 *	  A thread-safe pool of libpq connections that applies the resolved
 *	  settings: at most max connections, opened lazily; acquire bounded by
 *	  the connection timeout; idle connections closed after the idle
 *	  timeout; broken or dirty connections never handed out again.
 *
 * Locking: one mutex (pool->lock) protects every field of the pool below
 * it, the idle list and the wait queue.  A connection that is handed out
 * (in use) belongs to its caller and is touched without the lock; libpq
 * calls that may block (connect, PQfinish, ROLLBACK, the health check) are
 * always made without holding the lock.
 *
 * Invariant: idle + in_use + connecting <= max, where in_use counts
 * connections handed out and connections on their way to a waiter, and
 * connecting counts slots reserved for a connection being opened.
 *
 * Waiters queue in arrival order, each with its own condition variable.
 * A released connection goes straight to the first waiter; when a
 * connection is closed instead, its slot goes to the first waiter, which
 * opens a new one.  A background thread (the reaper) closes connections
 * that stayed idle longer than the idle timeout or reached the end of their
 * lifetime.
 *
 * Checkout: every connection taken from the idle list (or handed over by a
 * release) is checked before it is handed out, without the lock: its
 * socket is peeked without blocking (recv MSG_PEEK), which shows a server
 * that closed the connection (the end of the stream, or a FATAL message,
 * which the notice receiver below records); one that sat idle at least
 * health_check_after_ms, or on which anything arrived while idle, also gets
 * a round trip (an empty statement).  A connection that fails the check is
 * closed and the loop goes on, using its slot.  lg_conn_query peeks the
 * same way before sending a statement on a connection unused for a
 * millisecond or more, so that it can tell a connection lost before the
 * statement was sent (it did not run) from one lost after (it may have).
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Session pooling only: statements lg_conn_query prepared on this
 * connection, so that the server parses and plans each one once per
 * connection.  Bounded; when full, further statements go through the
 * unnamed statement.
 */
#define STATEMENT_CACHE_SIZE 64

typedef struct cached_statement
{
	uint32_t	hash;
	char	   *sql;
	int			nparams;
} cached_statement;

struct lg_conn
{
	PGconn	   *pg;
	lg_pool_mode mode;
	bool		statement_cache;	/* named statements in lg_conn_query */
	bool		broken;			/* a call saw the connection fail */
	bool		fatal_seen;		/* a FATAL arrived while idle: it is closing */
	PQnoticeReceiver default_receiver;	/* libpq's, for other notices */
	char		fatal_message[200]; /* that FATAL, for the error message */
	int64_t		idle_since_ms;	/* when it was last released */
	int64_t		verified_ms;	/* when its socket was last seen alive */
	int64_t		expires_ms;		/* end of its lifetime; 0: none */
	lg_conn    *next;			/* idle list */
	int			generation;		/* of statement names, see exec_cached */
	int			ncached;
	cached_statement cache[STATEMENT_CACHE_SIZE];
};

typedef struct waiter
{
	pthread_cond_t cond;
	lg_conn    *conn;			/* a connection handed over */
	bool		slot;			/* permission to open a new connection */
	bool		closed;			/* the pool is being destroyed */
	struct waiter *next;
} waiter;

struct lg_pool
{
	lg_config  *config;			/* private copy */
	int			max;
	int			idle_timeout_ms;
	int			connect_timeout_ms;
	int			health_check_after_ms;
	int			max_lifetime_ms;

	pthread_mutex_t lock;
	uint64_t	random_state;	/* lifetime jitter (splitmix64) */
	lg_conn    *idle;			/* most recently released first */
	int			nidle;
	int			in_use;
	int			connecting;
	waiter	   *wait_head;
	waiter	   *wait_tail;
	int			nwaiting;
	bool		closing;
	lg_pool_stats stats;		/* counters; gauges are filled on read */
	lg_pool_upkeep_stats upkeep;

	pthread_t	reaper;
	pthread_cond_t reaper_cond;
	bool		reaper_idle;	/* waiting with no deadline: wake it */
	pthread_cond_t drained;		/* in_use + connecting reached 0 */
};

/* ------------------------------------------------------------------------
 * helpers
 * ------------------------------------------------------------------------
 */

static void
deadline_to_timespec(int64_t deadline_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t) (deadline_ms / 1000);
	ts->tv_nsec = (long) (deadline_ms % 1000) * 1000000L;
}

static int
init_cond(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int			rc;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return rc;
}

static void
forget_statements(lg_conn *c)
{
	for (int i = 0; i < c->ncached; i++)
		free(c->cache[i].sql);
	c->ncached = 0;
}

static void
close_conn(lg_conn *c)
{
	if (c == NULL)
		return;
	PQfinish(c->pg);
	forget_statements(c);
	free(c);
}

/*
 * The pool's notice receiver.  A FATAL (or PANIC) can only arrive as a
 * notice when the server sends it between statements, just before it
 * closes the connection (pg_terminate_backend, a shutdown,
 * idle_session_timeout): record it, so the connection is known lost before
 * the end of the stream arrives, and keep it off the application's stderr.
 * Other notices go to libpq's default receiver (which calls the notice
 * processor, PQsetNoticeProcessor still works).
 */
static void
notice_receiver(void *arg, const PGresult *res)
{
	lg_conn    *c = arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);

	if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0))
	{
		c->fatal_seen = true;
		snprintf(c->fatal_message, sizeof(c->fatal_message), "%s",
				 PQresultErrorMessage(res));
		lg_one_line(c->fatal_message);
		return;
	}
	c->default_receiver(NULL, res);
}

typedef enum socket_state
{
	SOCKET_QUIET,				/* nothing arrived: as it was */
	SOCKET_TRAFFIC,				/* something arrived and it looks alive */
	SOCKET_LOST					/* the server closed it, or it is broken */
} socket_state;

/*
 * What the socket of a connection between statements says, without a round
 * trip and without blocking: a peek shows the end of the stream (the server
 * closed it; over TCP that is not a POLLHUP) or data; data is read and
 * parsed, which records a FATAL (see notice_receiver), and the peek is
 * repeated, as the end of the stream follows the FATAL.
 */
static socket_state
peek_socket(lg_conn *c)
{
	bool		traffic = false;
	int			fd;

	if (c->broken || c->fatal_seen || PQstatus(c->pg) != CONNECTION_OK)
		return SOCKET_LOST;
	fd = PQsocket(c->pg);
	if (fd < 0)
		return SOCKET_LOST;
	for (int i = 0; i < 8; i++)
	{
		char		b;
		ssize_t		n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

		if (n == 0)
			return SOCKET_LOST;
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return traffic ? SOCKET_TRAFFIC : SOCKET_QUIET;
			return SOCKET_LOST; /* ECONNRESET and the like */
		}
		traffic = true;
		if (!PQconsumeInput(c->pg))
			return SOCKET_LOST;
		/* parses what PQconsumeInput read (a notice, a notification) */
		(void) PQisBusy(c->pg);
		if (PQstatus(c->pg) != CONNECTION_OK || c->fatal_seen)
			return SOCKET_LOST;
	}
	return SOCKET_TRAFFIC;
}

/*
 * A connection found lost between statements: broken, with libpq's view
 * of why in its error message (it reads the end of the stream itself).
 */
static void
mark_lost(lg_conn *c)
{
	c->broken = true;
	if (PQstatus(c->pg) == CONNECTION_OK)
		(void) PQconsumeInput(c->pg);
}

/*
 * Run a command, waiting for its result no later than deadline_ms.
 * Returns true when it completed with status expect.
 */
static bool
command_with_deadline(PGconn *pg, const char *sql, ExecStatusType expect,
					  int64_t deadline_ms)
{
	PGresult   *res;
	bool		ok = true;

	if (!PQsendQuery(pg, sql))
		return false;
	while (PQisBusy(pg))
	{
		struct pollfd pfd;
		int64_t		left = deadline_ms - lg_mono_ms();
		int			rc;

		if (left <= 0)
			return false;
		pfd.fd = PQsocket(pg);
		pfd.events = POLLIN;
		pfd.revents = 0;
		rc = poll(&pfd, 1, (int) left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return false;
		if (!PQconsumeInput(pg))
			return false;
	}
	while ((res = PQgetResult(pg)) != NULL)
	{
		if (PQresultStatus(res) != expect)
			ok = false;
		PQclear(res);
	}
	return ok && PQstatus(pg) == CONNECTION_OK &&
		PQtransactionStatus(pg) == PQTRANS_IDLE;
}

/* Remove w from the wait queue (it may be anywhere in it). Lock held. */
static void
dequeue_waiter(lg_pool *pool, waiter *w)
{
	waiter	  **pp = &pool->wait_head;
	waiter	   *prev = NULL;

	while (*pp && *pp != w)
	{
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == NULL)
		return;
	*pp = w->next;
	if (pool->wait_tail == w)
		pool->wait_tail = prev;
	pool->nwaiting--;
}

static waiter *
pop_waiter(lg_pool *pool)
{
	waiter	   *w = pool->wait_head;

	if (w)
		dequeue_waiter(pool, w);
	return w;
}

/*
 * Count a closed connection (lock held): one at the end of its lifetime,
 * or one closed for the reason *other counts (NULL: none).
 */
static void
count_closed(lg_pool *pool, bool lifetime, uint64_t *other)
{
	pool->stats.closed++;
	if (lifetime)
		pool->upkeep.lifetime_closed++;
	else if (other)
		(*other)++;
}

/*
 * A connection slot became free (a connection closed or a connect failed).
 * Lock held.  Give the slot to the first waiter, which opens a connection.
 */
static void
slot_freed_locked(lg_pool *pool)
{
	waiter	   *w;

	if (pool->closing)
	{
		if (pool->in_use == 0 && pool->connecting == 0)
			pthread_cond_broadcast(&pool->drained);
		return;
	}
	w = pop_waiter(pool);
	if (w)
	{
		pool->connecting++;
		w->slot = true;
		pthread_cond_signal(&w->cond);
	}
}

/* ------------------------------------------------------------------------
 * the reaper
 * ------------------------------------------------------------------------
 */

static void *
reaper_main(void *arg)
{
	lg_pool    *pool = arg;

	pthread_mutex_lock(&pool->lock);
	while (!pool->closing)
	{
		int64_t		now = lg_mono_ms();
		int64_t		next = INT64_MAX;
		lg_conn    *expired = NULL;
		lg_conn   **pp = &pool->idle;

		while (*pp)
		{
			lg_conn    *c = *pp;
			int64_t		expires = c->idle_since_ms + pool->idle_timeout_ms;
			bool		lifetime = c->expires_ms != 0 && c->expires_ms < expires;

			if (lifetime)
				expires = c->expires_ms;
			if (expires <= now)
			{
				*pp = c->next;
				c->next = expired;
				expired = c;
				pool->nidle--;
				count_closed(pool, lifetime, &pool->stats.idle_closed);
			}
			else
			{
				if (expires < next)
					next = expires;
				pp = &c->next;
			}
		}
		if (expired)
		{
			int			nfreed = 0;

			pthread_mutex_unlock(&pool->lock);
			while (expired)
			{
				lg_conn    *c = expired;

				expired = c->next;
				close_conn(c);
				nfreed++;
			}
			pthread_mutex_lock(&pool->lock);
			/* nobody waits while connections are idle, but be exact */
			while (nfreed-- > 0)
				slot_freed_locked(pool);
			continue;
		}
		if (next == INT64_MAX)
		{
			pool->reaper_idle = true;
			pthread_cond_wait(&pool->reaper_cond, &pool->lock);
			pool->reaper_idle = false;
		}
		else
		{
			struct timespec ts;

			deadline_to_timespec(next, &ts);
			pthread_cond_timedwait(&pool->reaper_cond, &pool->lock, &ts);
		}
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* ------------------------------------------------------------------------
 * create and destroy
 * ------------------------------------------------------------------------
 */

lg_status
lg_pool_create(const lg_config *config, lg_pool **out, lg_error *err)
{
	lg_pool    *pool;

	*out = NULL;
	pool = calloc(1, sizeof(lg_pool));
	if (pool == NULL)
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	pool->config = lg_config_dup(config);
	if (pool->config == NULL)
	{
		free(pool);
		return lg_fail(err, LG_ERR_INTERNAL, "out of memory");
	}
	pool->max = config->max;
	pool->idle_timeout_ms = config->idle_timeout_ms;
	pool->connect_timeout_ms = config->connect_timeout_ms;
	pool->health_check_after_ms = config->health_check_after_ms;
	pool->max_lifetime_ms = config->max_lifetime_ms;
	pool->random_state = (uint64_t) lg_clock_us(CLOCK_MONOTONIC) ^ (uint64_t) (uintptr_t) pool;
	if (pthread_mutex_init(&pool->lock, NULL) != 0 ||
		init_cond(&pool->reaper_cond) != 0 ||
		init_cond(&pool->drained) != 0)
	{
		lg_config_free(pool->config);
		free(pool);
		return lg_fail(err, LG_ERR_INTERNAL, "could not initialise the pool's locks");
	}
	if (pthread_create(&pool->reaper, NULL, reaper_main, pool) != 0)
	{
		pthread_cond_destroy(&pool->drained);
		pthread_cond_destroy(&pool->reaper_cond);
		pthread_mutex_destroy(&pool->lock);
		lg_config_free(pool->config);
		free(pool);
		return lg_fail(err, LG_ERR_INTERNAL, "could not start the pool's idle reaper thread");
	}
	*out = pool;
	return LG_OK;
}

void
lg_pool_destroy(lg_pool *pool)
{
	lg_conn    *idle;
	waiter	   *w;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->closing = true;
	while ((w = pop_waiter(pool)) != NULL)
	{
		w->closed = true;
		pthread_cond_signal(&w->cond);
	}
	pthread_cond_broadcast(&pool->reaper_cond);
	while (pool->in_use > 0 || pool->connecting > 0)
		pthread_cond_wait(&pool->drained, &pool->lock);
	idle = pool->idle;
	pool->idle = NULL;
	pool->nidle = 0;
	pthread_mutex_unlock(&pool->lock);

	pthread_join(pool->reaper, NULL);
	while (idle)
	{
		lg_conn    *c = idle;

		idle = c->next;
		close_conn(c);
	}
	pthread_cond_destroy(&pool->drained);
	pthread_cond_destroy(&pool->reaper_cond);
	pthread_mutex_destroy(&pool->lock);
	lg_config_free(pool->config);
	free(pool);
}

/* ------------------------------------------------------------------------
 * acquire and release
 * ------------------------------------------------------------------------
 */

/* Open a connection in a slot already reserved (connecting counted). */
static lg_status
open_in_slot(lg_pool *pool, int64_t deadline_ms, lg_conn **out, lg_error *err)
{
	lg_conn    *c = calloc(1, sizeof(lg_conn));
	PGconn	   *pg = NULL;

	if (c != NULL)
		pg = lg_connect(pool->config, deadline_ms, err);
	else
		lg_fail(err, LG_ERR_INTERNAL, "out of memory");

	pthread_mutex_lock(&pool->lock);
	pool->connecting--;
	if (pg == NULL)
	{
		pool->stats.connect_failures++;
		slot_freed_locked(pool);
		pthread_mutex_unlock(&pool->lock);
		free(c);
		return err ? err->status : LG_ERR_CONNECT;
	}
	pool->stats.created++;
	if (pool->closing)
	{
		pool->stats.closed++;
		slot_freed_locked(pool);
		pthread_mutex_unlock(&pool->lock);
		PQfinish(pg);
		free(c);
		return lg_fail(err, LG_ERR_CLOSED, "the pool is being destroyed");
	}
	pool->in_use++;
	c->verified_ms = lg_mono_ms();
	if (pool->max_lifetime_ms > 0)
	{
		/* a lifetime between 90% and 100% of the setting */
		int64_t		span = pool->max_lifetime_ms / 10;
		uint64_t	z = (pool->random_state += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		c->expires_ms = c->verified_ms + pool->max_lifetime_ms -
			(int64_t) (z % (uint64_t) (span + 1));
	}
	pthread_mutex_unlock(&pool->lock);
	c->pg = pg;
	c->default_receiver = PQsetNoticeReceiver(pg, notice_receiver, c);
	c->mode = pool->config->pool_mode;
	/* the config refuses the cache under transaction pooling */
	c->statement_cache = pool->config->statement_cache &&
		c->mode == LG_POOL_SESSION;
	*out = c;
	return LG_OK;
}

/*
 * Check a connection taken from the idle list or handed over by a release
 * (counted in_use; lock not held) before handing it out: see the header
 * comment.  Returns true when it may be handed out (lock not held).
 * Otherwise closes it and returns false with the lock held and the
 * counters updated; its slot is the caller's to use.
 */
static bool
checkout(lg_pool *pool, lg_conn *c, int64_t deadline_ms)
{
	int64_t		now = lg_mono_ms();
	bool		expired = c->expires_ms != 0 && now >= c->expires_ms;
	bool		pinged = false;
	bool		ok = false;

	if (!expired)
	{
		socket_state s = peek_socket(c);

		ok = (s != SOCKET_LOST && PQtransactionStatus(c->pg) == PQTRANS_IDLE);
		if (ok && (s == SOCKET_TRAFFIC ||
				   now - c->idle_since_ms >= pool->health_check_after_ms))
		{
			/* half of what is left, so that a replacement can be opened */
			pinged = true;
			ok = command_with_deadline(c->pg, ";", PGRES_EMPTY_QUERY,
									   now + (deadline_ms - now) / 2);
		}
	}
	if (ok)
	{
		c->verified_ms = now;
		if (pinged)
		{
			pthread_mutex_lock(&pool->lock);
			pool->upkeep.health_checks++;
			pthread_mutex_unlock(&pool->lock);
		}
		return true;
	}
	close_conn(c);
	pthread_mutex_lock(&pool->lock);
	if (pinged)
		pool->upkeep.health_checks++;
	pool->in_use--;
	count_closed(pool, expired, &pool->stats.discarded);
	return false;
}

/*
 * Wait in line for a connection or a slot (lock held; held again on
 * return).  LG_OK with w->conn (handed over by lg_pool_release, still
 * counted in_use), w->slot (a slot reserved for us, connecting counted) or
 * w->closed; on a timeout, the error, with the lock released.
 */
static lg_status
wait_in_line(lg_pool *pool, int64_t deadline, int timeout_ms, waiter *w,
			 lg_error *err)
{
	struct timespec ts;
	int			rc = 0;
	int			in_use;
	int			waiting;

	memset(w, 0, sizeof(*w));
	if (init_cond(&w->cond) != 0)
	{
		pthread_mutex_unlock(&pool->lock);
		return lg_fail(err, LG_ERR_INTERNAL, "could not initialise a condition variable");
	}
	if (pool->wait_tail)
		pool->wait_tail->next = w;
	else
		pool->wait_head = w;
	pool->wait_tail = w;
	pool->nwaiting++;
	deadline_to_timespec(deadline, &ts);
	while (!w->conn && !w->slot && !w->closed && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->cond, &pool->lock, &ts);
	pthread_cond_destroy(&w->cond);
	if (w->conn || w->slot || w->closed)
		return LG_OK;

	dequeue_waiter(pool, w);
	pool->stats.timeouts++;
	in_use = pool->in_use;
	waiting = pool->nwaiting;
	pthread_mutex_unlock(&pool->lock);
	return lg_fail(err, LG_ERR_TIMEOUT,
				   "timed out after %d ms waiting for a pool connection: all %d in use (max %d), %d other caller%s waiting",
				   timeout_ms, in_use, pool->max, waiting,
				   waiting == 1 ? "" : "s");
}

lg_status
lg_pool_acquire_timeout(lg_pool *pool, int timeout_ms, lg_conn **out,
						lg_error *err)
{
	int64_t		deadline = lg_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	*out = NULL;
	pthread_mutex_lock(&pool->lock);
	for (;;)
	{
		lg_conn    *c = NULL;
		bool		slot = false;

		if (pool->closing)
		{
			pthread_mutex_unlock(&pool->lock);
			return lg_fail(err, LG_ERR_CLOSED, "the pool is being destroyed");
		}

		if (pool->idle != NULL)
		{
			/* an idle connection, if it is still good */
			c = pool->idle;
			pool->idle = c->next;
			c->next = NULL;
			pool->nidle--;
			pool->in_use++;
		}
		else if (pool->nidle + pool->in_use + pool->connecting < pool->max)
		{
			/* room for a new connection */
			pool->connecting++;
			slot = true;
		}
		else
		{
			waiter		w;
			lg_status	st = wait_in_line(pool, deadline, timeout_ms, &w, err);

			if (st != LG_OK)
				return st;
			if (w.closed)
				continue;		/* the pool is closing: said above */
			c = w.conn;
			slot = w.slot;
		}

		pthread_mutex_unlock(&pool->lock);
		if (slot)
			return open_in_slot(pool, deadline, out, err);
		if (checkout(pool, c, deadline))
		{
			*out = c;
			return LG_OK;
		}
		/* it was closed (lock held again): use its slot */
	}
}

lg_status
lg_pool_acquire(lg_pool *pool, lg_conn **out, lg_error *err)
{
	return lg_pool_acquire_timeout(pool, pool->connect_timeout_ms, out, err);
}

void
lg_pool_release(lg_pool *pool, lg_conn *c)
{
	bool		keep = false;
	bool		rolled_back = false;
	bool		expired = false;
	int64_t		now;
	waiter	   *w;

	if (c == NULL)
		return;
	if (!c->broken && PQstatus(c->pg) == CONNECTION_OK)
	{
		switch (PQtransactionStatus(c->pg))
		{
			case PQTRANS_IDLE:
				keep = true;
				break;
			case PQTRANS_INTRANS:
			case PQTRANS_INERROR:
				/* never hand it out dirty: roll back, or close it */
				keep = command_with_deadline(c->pg, "ROLLBACK", PGRES_COMMAND_OK,
											 lg_mono_ms() + pool->connect_timeout_ms);
				rolled_back = keep;
				break;
			case PQTRANS_ACTIVE:	/* a query still running */
			case PQTRANS_UNKNOWN:
				keep = false;
				break;
		}
	}

	now = lg_mono_ms();
	/* at the end of its lifetime: closed now, never while in use */
	if (keep && c->expires_ms != 0 && now >= c->expires_ms)
	{
		keep = false;
		expired = true;
	}

	pthread_mutex_lock(&pool->lock);
	if (rolled_back)
		pool->stats.rolled_back++;
	if (!keep || pool->closing)
	{
		pool->in_use--;
		count_closed(pool, expired, keep ? NULL : &pool->stats.discarded);
		slot_freed_locked(pool);
		pthread_mutex_unlock(&pool->lock);
		close_conn(c);
		return;
	}
	c->idle_since_ms = now;
	w = pop_waiter(pool);
	if (w)
	{
		/* straight to the first waiter; stays counted in_use */
		w->conn = c;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&pool->lock);
		return;
	}
	c->next = pool->idle;
	pool->idle = c;
	pool->nidle++;
	pool->in_use--;
	/*
	 * Wake the reaper only when it sleeps with no deadline; otherwise it
	 * already wakes at an earlier expiry than this connection's and rescans
	 * (a wake-up per release would cost a context switch per query).
	 */
	if (pool->reaper_idle)
	{
		pool->reaper_idle = false;
		pthread_cond_signal(&pool->reaper_cond);
	}
	pthread_mutex_unlock(&pool->lock);
}

void
lg_pool_stats_get(lg_pool *pool, lg_pool_stats *stats)
{
	pthread_mutex_lock(&pool->lock);
	*stats = pool->stats;
	stats->idle = pool->nidle;
	stats->in_use = pool->in_use;
	stats->open = pool->nidle + pool->in_use;
	stats->connecting = pool->connecting;
	stats->waiting = pool->nwaiting;
	pthread_mutex_unlock(&pool->lock);
}

void
lg_pool_upkeep_stats_get(lg_pool *pool, lg_pool_upkeep_stats *stats)
{
	pthread_mutex_lock(&pool->lock);
	*stats = pool->upkeep;
	pthread_mutex_unlock(&pool->lock);
}

/* ------------------------------------------------------------------------
 * queries
 * ------------------------------------------------------------------------
 */

PGconn *
lg_conn_pgconn(lg_conn *c)
{
	return c->pg;
}

/* The two ways a connection can be lost during a call: see lg_error. */
#define LOST_BEFORE "connection lost before the statement was sent"
#define LOST_AFTER "connection lost after the statement was sent; it may have run"

/*
 * Before a statement is sent: LG_OK, or LG_ERR_BROKEN when the connection
 * is known lost (statement_sent false).  The socket is peeked only when
 * the connection went unused for a millisecond or more since it was last
 * seen alive: right after a checkout, or between statements in quick
 * succession, a loss is reported by the call itself (as possibly sent,
 * which is never wrong, only less precise).
 */
static lg_status
before_send(lg_conn *c, lg_error *err)
{
	char		msg[LG_ERROR_MESSAGE_SIZE];

	if (!c->broken && PQstatus(c->pg) == CONNECTION_OK)
	{
		int64_t		now;

		/* a call of the application's own still running: libpq says so */
		if (PQtransactionStatus(c->pg) == PQTRANS_ACTIVE)
			return LG_OK;
		now = lg_mono_ms();
		if (now - c->verified_ms < 1 || peek_socket(c) != SOCKET_LOST)
		{
			c->verified_ms = now;
			return LG_OK;
		}
		mark_lost(c);
	}
	c->broken = true;
	snprintf(msg, sizeof(msg), "%s",
			 c->fatal_seen ? c->fatal_message : PQerrorMessage(c->pg));
	lg_one_line(msg);
	return lg_fail(err, LG_ERR_BROKEN, LOST_BEFORE ": %s",
				   msg[0] ? msg : "the server closed the connection");
}

/*
 * Turn a failed result into an error; marks the connection broken.  A NULL
 * result on a lost connection means libpq could not send the statement.
 */
static lg_status
result_error(lg_conn *c, PGresult *res, lg_error *err)
{
	char		msg[LG_ERROR_MESSAGE_SIZE];
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	lg_status	st;

	snprintf(msg, sizeof(msg), "%s",
			 res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) :
			 PQerrorMessage(c->pg));
	lg_one_line(msg);
	if (msg[0] == '\0' && res)
		snprintf(msg, sizeof(msg), "unexpected result status %s",
				 PQresStatus(PQresultStatus(res)));
	if (PQstatus(c->pg) != CONNECTION_OK)
	{
		c->broken = true;
		st = lg_fail(err, LG_ERR_BROKEN, "%s: %s",
					 res ? LOST_AFTER : LOST_BEFORE, msg);
		if (err)
			err->statement_sent = (res != NULL);
	}
	else
		st = lg_fail(err, LG_ERR_QUERY, "%s", msg);
	if (err && sqlstate)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", sqlstate);
	PQclear(res);
	return st;
}

static lg_status
check_result(lg_conn *c, PGresult *res, PGresult **result, lg_error *err)
{
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		return result_error(c, res, err);
	if (result)
		*result = res;
	else
		PQclear(res);
	return LG_OK;
}

/* FNV-1a */
static uint32_t
hash_sql(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 16777619u;
	return h;
}

static bool
is_sqlstate(PGresult *res, const char *code)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s && strcmp(s, code) == 0;
}

/* Does res report that statement name does not exist? */
static bool
statement_gone(PGresult *res, const char *name)
{
	char		quoted[40];

	if (!is_sqlstate(res, "26000"))
		return false;
	snprintf(quoted, sizeof(quoted), "\"%s\"", name);
	return strstr(PQresultErrorMessage(res), quoted) != NULL;
}

static bool
plan_stale(PGresult *res)
{
	return is_sqlstate(res, "0A000") &&
		strstr(PQresultErrorMessage(res), "cached plan must not change result type") != NULL;
}

/*
 * Session pooling: run sql as a statement prepared on this connection
 * (named lg_<generation>_<index>), preparing it on first use.
 *
 * Outside a transaction (where a failed step does no harm), two failures of
 * the cache itself are repaired: a cached statement whose plan went stale
 * ("cached plan must not change result type", after ALTER TABLE) is
 * deallocated and prepared again; a cached statement that no longer exists
 * (the application ran DEALLOCATE or DISCARD ALL) makes the cache start a
 * new generation of names, and this call falls back to the unnamed
 * statement.  Sets *fallback and returns NULL when the caller should use
 * the unnamed statement (also when the cache is full).
 */
static PGresult *
exec_cached(lg_conn *c, const char *sql, int nparams, const char *const *params,
			bool *fallback)
{
	uint32_t	h = hash_sql(sql);
	char		name[32];
	PGresult   *res;
	int			i;

	*fallback = false;
	for (i = 0; i < c->ncached; i++)
		if (c->cache[i].hash == h && c->cache[i].nparams == nparams &&
			strcmp(c->cache[i].sql, sql) == 0)
			break;
	snprintf(name, sizeof(name), "lg_%d_%d", c->generation, i);
	if (i == c->ncached)
	{
		char	   *copy;

		if (c->ncached == STATEMENT_CACHE_SIZE || (copy = strdup(sql)) == NULL)
		{
			*fallback = true;
			return NULL;
		}
		res = PQprepare(c->pg, name, sql, nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			free(copy);
			return res;			/* the statement's own error */
		}
		PQclear(res);
		c->cache[i].hash = h;
		c->cache[i].sql = copy;
		c->cache[i].nparams = nparams;
		c->ncached++;
	}
	res = PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0);
	if (PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		return res;
	if (plan_stale(res))
	{
		char		dealloc[48];
		PGresult   *prep;

		PQclear(res);
		snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", name);
		PQclear(PQexec(c->pg, dealloc));
		prep = PQprepare(c->pg, name, sql, nparams, NULL);
		if (PQresultStatus(prep) != PGRES_COMMAND_OK)
		{
			/* cannot cache it again: start over, run it unnamed */
			PQclear(prep);
			forget_statements(c);
			c->generation++;
			*fallback = true;
			return NULL;
		}
		PQclear(prep);
		return PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0);
	}
	if (statement_gone(res, name))
	{
		PQclear(res);
		forget_statements(c);
		c->generation++;
		*fallback = true;
		return NULL;
	}
	return res;
}

lg_status
lg_conn_query(lg_conn *c, const char *sql, int nparams,
			  const char *const *params, PGresult **result, lg_error *err)
{
	PGresult   *res = NULL;
	bool		fallback = true;

	if (result)
		*result = NULL;
	if (before_send(c, err) != LG_OK)
		return LG_ERR_BROKEN;
	if (c->statement_cache)
		res = exec_cached(c, sql, nparams, params, &fallback);
	if (fallback)
		res = PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
	return check_result(c, res, result, err);
}

/*
 * Whether the named statement name may be used now: never under
 * transaction pooling, where the next transaction may run on another
 * server connection; and not on a connection known lost.
 */
static lg_status
named_statement_allowed(lg_conn *c, const char *name, lg_error *err)
{
	if (c->mode == LG_POOL_TRANSACTION)
		return lg_fail(err, LG_ERR_MISUSE,
					   "named prepared statement \"%s\" refused: under transaction pooling the next transaction may run on another server connection, where it does not exist (use lg_conn_query)",
					   name);
	return before_send(c, err) == LG_OK ? LG_OK : LG_ERR_BROKEN;
}

lg_status
lg_conn_prepare(lg_conn *c, const char *name, const char *sql, lg_error *err)
{
	lg_status	st = named_statement_allowed(c, name, err);

	if (st != LG_OK)
		return st;
	return check_result(c, PQprepare(c->pg, name, sql, 0, NULL), NULL, err);
}

lg_status
lg_conn_exec_prepared(lg_conn *c, const char *name, int nparams,
					  const char *const *params, PGresult **result,
					  lg_error *err)
{
	lg_status	st;

	if (result)
		*result = NULL;
	if ((st = named_statement_allowed(c, name, err)) != LG_OK)
		return st;
	return check_result(c, PQexecPrepared(c->pg, name, nparams, params, NULL, NULL, 0),
						result, err);
}

lg_status
lg_conn_set(lg_conn *c, const char *name, const char *value, bool local,
			lg_error *err)
{
	const char *params[3] = {name, value, local ? "true" : "false"};

	if (!local && c->mode == LG_POOL_TRANSACTION)
		return lg_fail(err, LG_ERR_MISUSE,
					   "session-level setting of \"%s\" refused: under transaction pooling it would leak to other clients of the server connection (set it locally inside a transaction)",
					   name);
	return lg_conn_query(c, "SELECT pg_catalog.set_config($1, $2, $3::boolean)",
						 3, params, NULL, err);
}

lg_status
lg_pool_transaction(lg_pool *pool, lg_txn_fn fn, void *arg, lg_error *err)
{
	lg_conn    *c;
	lg_status	st;
	PGresult   *res = NULL;

	st = lg_pool_acquire(pool, &c, err);
	if (st != LG_OK)
		return st;
	st = lg_conn_query(c, "BEGIN", 0, NULL, NULL, err);
	if (st == LG_OK)
	{
		st = fn(c, arg, err);
		if (st == LG_OK)
		{
			st = lg_conn_query(c, "COMMIT", 0, NULL, &res, err);
			if (st == LG_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0)
				st = lg_fail(err, LG_ERR_QUERY,
							 "the transaction was rolled back instead of committed: a statement in it had failed");
			PQclear(res);
		}
		else if (!c->broken && PQstatus(c->pg) == CONNECTION_OK &&
				 PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		{
			/*
			 * The callback's error stands.  Roll back within the connection
			 * timeout; if that fails, c is marked broken and release closes
			 * it.
			 */
			if (!command_with_deadline(c->pg, "ROLLBACK", PGRES_COMMAND_OK,
									   lg_mono_ms() + pool->connect_timeout_ms))
				c->broken = true;
		}
	}
	lg_pool_release(pool, c);
	return st;
}
