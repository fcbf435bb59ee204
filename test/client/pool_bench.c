/*-------------------------------------------------------------------------
 *
 * pool_bench.c
 *	  The lifeguard side of test/bench/client_pool.sh: THREADS threads run
 *	  a primary-key SELECT on pgbench_accounts through one liblifeguard pool
 *	  (configured from the environment) for SECONDS, then one thread times
 *	  uncontended acquire+release pairs.  Prints key=value lines.
 *
 *	  pool_bench THREADS SECONDS ROWS
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lifeguard.h"

static lg_pool *pool;
static atomic_int stop;
static atomic_long done;
static atomic_long failed;
static long rows;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void *
worker(void *arg)
{
	unsigned int seed = (unsigned int) (size_t) arg * 7919u + 1u;
	long		n = 0;
	long		bad = 0;
	lg_conn    *held = NULL;
	lg_error	herr;

	/* LG_BENCH_HOLD=1: one connection per thread for the whole run */
	if (getenv("LG_BENCH_HOLD") && lg_pool_acquire(pool, &held, &herr) != LG_OK)
		return NULL;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
	{
		lg_conn    *c;
		lg_error	err;
		char		aid[24];
		const char *params[1] = {aid};

		snprintf(aid, sizeof(aid), "%ld", 1 + (long) (rand_r(&seed) % rows));
		if (held)
		{
			if (lg_conn_query(held, "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
							  1, params, NULL, &err) == LG_OK)
				n++;
			continue;
		}
		if (lg_pool_acquire(pool, &c, &err) != LG_OK)
		{
			bad++;
			continue;
		}
		if (lg_conn_query(c, "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
						  1, params, NULL, &err) == LG_OK)
			n++;
		else
			bad++;
		lg_pool_release(pool, c);
	}
	if (held)
		lg_pool_release(pool, held);
	atomic_fetch_add(&done, n);
	atomic_fetch_add(&failed, bad);
	return NULL;
}

int
main(int argc, char **argv)
{
	lg_config  *config;
	lg_error	err;
	int			nthreads;
	double		seconds;
	pthread_t  *th;
	double		t0,
				t1;
	const int	pairs = 200000;
	lg_conn    *c;

	if (argc != 4)
	{
		fprintf(stderr, "usage: pool_bench THREADS SECONDS ROWS\n");
		return 2;
	}
	nthreads = atoi(argv[1]);
	seconds = atof(argv[2]);
	rows = atol(argv[3]);
	if (lg_config_resolve(NULL, 0, &config, &err) != LG_OK ||
		lg_pool_create(config, &pool, &err) != LG_OK)
	{
		fprintf(stderr, "pool_bench: %s\n", err.message);
		return 1;
	}
	th = calloc((size_t) nthreads, sizeof(pthread_t));
	t0 = now_s();
	for (long i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *) i);
	while (now_s() - t0 < seconds)
	{
		struct timespec ts = {0, 50000000};

		nanosleep(&ts, NULL);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	t1 = now_s();
	printf("max=%d\nthreads=%d\nqueries=%ld\nfailed=%ld\ntps=%.0f\n",
		   lg_config_max(config), nthreads, atomic_load(&done), atomic_load(&failed),
		   (double) atomic_load(&done) / (t1 - t0));

	/* uncontended acquire + release of a warm, idle connection */
	for (int i = 0; i < 1000; i++)
	{
		if (lg_pool_acquire(pool, &c, &err) != LG_OK)
			return 1;
		lg_pool_release(pool, c);
	}
	t0 = now_s();
	for (int i = 0; i < pairs; i++)
	{
		lg_pool_acquire(pool, &c, &err);
		lg_pool_release(pool, c);
	}
	t1 = now_s();
	printf("acquire_release_ns=%.0f\n", (t1 - t0) * 1e9 / pairs);
	free(th);
	lg_pool_destroy(pool);
	lg_config_free(config);
	return 0;
}
