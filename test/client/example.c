/*-------------------------------------------------------------------------
 *
 * example.c
 *	  The liblifeguard example of docs/client.md, compiled by
 *	  test/client/install.t against the installed library (pkg-config
 *	  lifeguard) and run against the test cluster.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>

#include <lifeguard.h>

/* Runs between BEGIN and COMMIT; any error status rolls back. */
static lg_status
record_order(lg_conn *conn, void *arg, lg_error *err)
{
	const char *order_id = arg;
	const char *params[1] = {order_id};

	return lg_conn_query(conn, "INSERT INTO lg_example_orders (id) VALUES ($1)",
						 1, params, NULL, err);
}

int
main(void)
{
	lg_config  *config;
	lg_pool    *pool;
	lg_conn    *conn;
	lg_error	err;
	PGresult   *res;
	char		order_id[LG_ID_BUFFER_SIZE];

	/* DATABASE_URL, APP_ENV, DATABASE_POOL_MAX, ... from the environment */
	if (lg_config_resolve(NULL, 0, &config, &err) != LG_OK)
	{
		fprintf(stderr, "configuration: %s\n", err.message);
		return 2;
	}
	printf("driver=%s pool_mode=%s max=%d application_name=%s\n",
		   lg_driver_name(lg_config_driver(config)),
		   lg_pool_mode_name(lg_config_pool_mode(config)),
		   lg_config_max(config), lg_config_application_name(config));
	if (lg_pool_create(config, &pool, &err) != LG_OK)
	{
		fprintf(stderr, "pool: %s\n", err.message);
		return 1;
	}
	lg_config_free(config);		/* the pool keeps its own copy */

	if (lg_pool_acquire(pool, &conn, &err) != LG_OK)
	{
		fprintf(stderr, "%s: %s\n", lg_status_name(err.status), err.message);
		lg_pool_destroy(pool);
		return 3;
	}
	if (lg_conn_query(conn, "CREATE TABLE IF NOT EXISTS lg_example_orders (id text PRIMARY KEY)",
					  0, NULL, NULL, &err) != LG_OK)
		fprintf(stderr, "%s\n", err.message);
	lg_pool_release(pool, conn);	/* always, also after an error */

	/* an id made client-side, valid for is_prefixed_id() in SQL */
	if (lg_id_generate("ord", LG_ID_DEFAULT_LENGTH, order_id, sizeof(order_id), &err) != LG_OK ||
		lg_pool_transaction(pool, record_order, order_id, &err) != LG_OK)
	{
		fprintf(stderr, "%s\n", err.message);
		lg_pool_destroy(pool);
		return 1;
	}

	if (lg_pool_acquire(pool, &conn, &err) == LG_OK)
	{
		const char *params[1] = {order_id};

		if (lg_conn_query(conn, "SELECT id, is_prefixed_id(id, 'ord') FROM lg_example_orders WHERE id = $1",
						  1, params, &res, &err) == LG_OK)
		{
			printf("stored=%s valid=%s\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
			PQclear(res);
		}
		lg_conn_query(conn, "DROP TABLE lg_example_orders", 0, NULL, NULL, &err);
		lg_pool_release(pool, conn);
	}
	lg_pool_destroy(pool);
	return 0;
}
