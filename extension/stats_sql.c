/*-------------------------------------------------------------------------
 *
 * stats_sql.c
 *	  The SQL functions of the connection statistics: pool_stats() (the
 *	  view pool_stats), pool_stats_info() and pool_stats_reset(), over the
 *	  shared table of stats_table.c.
 *
 * Privacy follows pg_stat_activity (HAS_PGSTAT_PERMISSIONS in
 * pgstatfuncs.c), as pool_usage does: every row is listed with its names
 * and its open connections (what pg_stat_activity shows anyone); its other
 * columns are NULL unless the caller has the privileges of the row's role
 * or of pg_read_all_stats.  A row whose role does not exist (a refusal of
 * a name no role has, or a role dropped since) and the overflow row, which
 * mixes roles, are shown only to pg_read_all_stats.
 *
 * Names come from shared memory as the backends that recorded them had
 * them (a refused startup packet's are any bytes the client sent): they
 * are shown with what is not valid in this database's encoding as \xNN
 * (encoding.c).  Times are in milliseconds, as in pg_stat_database.
 *
 * The top of the statistics' layers: it calls settings.c, encoding.c and
 * stats_table.c; nothing is shared or kept here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "encoding.h"
#include "lg_extension.h"
#include "settings.h"
#include "stats_table.h"

PG_FUNCTION_INFO_V1(lifeguard_pool_stats);
PG_FUNCTION_INFO_V1(lifeguard_pool_stats_info);
PG_FUNCTION_INFO_V1(lifeguard_pool_stats_reset);

/* the columns of pool_stats(), in the order of its OUT parameters */
typedef enum PoolStatsColumn
{
	PS_DATABASE,
	PS_ROLE,
	PS_APPLICATION_NAME,
	PS_CONNECTIONS,
	PS_PEAK_CONNECTIONS,
	PS_PEAK_AT,
	PS_SESSIONS_OPENED,
	PS_ENDED_FIRST,				/* LG_END_NUM columns, LgStatsEnd's order */
	PS_SESSION_TIME = PS_ENDED_FIRST + LG_END_NUM,
	PS_REFUSED_FIRST,			/* LG_REFUSED_NUM columns */
	PS_LAST_REFUSED_AT = PS_REFUSED_FIRST + LG_REFUSED_NUM,
	PS_COMMITS,
	PS_ROLLBACKS,
	PS_HANDOFFS,
	PS_TRANSACTION_TIME,
	PS_ACTIVE_TIME,
	PS_IDLE_IN_TRANSACTION_TIME,
	PS_LONGEST_TRANSACTION_TIME,
	PS_LONGEST_IDLE_IN_TRANSACTION_TIME,
	PS_ERRORS_FIRST,			/* LG_ERROR_NUM columns */
	POOL_STATS_COLS = PS_ERRORS_FIRST + LG_ERROR_NUM
} PoolStatsColumn;

/* a cache of the privacy rule, by role name */
typedef struct RoleVisibility
{
	NameData	role;			/* hash key; must be first */
	bool		visible;
} RoleVisibility;

/*
 * The privacy rule of pg_stat_activity (lg_may_see_activity_of), for a
 * role named in the row, asked once per role: a name no role has is for
 * pg_read_all_stats only.
 */
static bool
may_see(HTAB *cache, bool read_all, const char *rolname)
{
	RoleVisibility *rv;
	NameData	key;
	bool		found;

	if (read_all)
		return true;
	memset(&key, 0, sizeof(key));
	strlcpy(NameStr(key), rolname, NAMEDATALEN);
	rv = (RoleVisibility *) hash_search(cache, &key, HASH_ENTER, &found);
	if (!found)
	{
		Oid			roleid = get_role_oid(rolname, true);

		rv->visible = OidIsValid(roleid) && lg_may_see_activity_of(roleid);
	}
	return rv->visible;
}

/* a recorded name, readable here, as a name (clipped on a character) */
static Datum
name_datum(const char *recorded)
{
	char	   *s = lg_text_for_reader(recorded, PG_SQL_ASCII);
	int			len = pg_mbcliplen(s, (int) strlen(s), NAMEDATALEN - 1);

	s[len] = '\0';
	return lg_name_datum(s);
}

static Datum
ms_datum(int64 us)
{
	return Float8GetDatum((double) us / 1000.0);
}

static void
put_timestamp(Datum *values, bool *nulls, int col, TimestampTz ts)
{
	if (ts == 0)
		nulls[col] = true;
	else
		values[col] = TimestampTzGetDatum(ts);
}

/*
 * pool_stats(): every row, the live backends' transactions included.
 */
Datum
lifeguard_pool_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	bool		read_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	LgStatsRow *rows;
	int			nrows;
	HTAB	   *cache;

	/* copied under the table's lock; tuples are built after releasing it */
	rows = lg_stats_rows("pool_stats", &nrows);
	rsinfo = lg_init_srf(fcinfo);

	cache = lg_local_hash("lifeguard pool_stats roles", 16, sizeof(NameData),
						  sizeof(RoleVisibility), CurrentMemoryContext);

	for (int i = 0; i < nrows; i++)
	{
		const LgStatsRow *r = &rows[i];
		const LgStatsCounters *c = &r->c;
		const LgStatsXact *x = &c->xact;
		Datum		values[POOL_STATS_COLS];
		bool		nulls[POOL_STATS_COLS] = {0};
		bool		visible;

		if (r->overflow)
		{
			nulls[PS_DATABASE] = nulls[PS_ROLE] = nulls[PS_APPLICATION_NAME] = true;
			visible = read_all;
		}
		else
		{
			values[PS_DATABASE] = name_datum(r->key.database);
			values[PS_ROLE] = name_datum(r->key.role);
			values[PS_APPLICATION_NAME] =
				CStringGetTextDatum(lg_text_for_reader(r->key.application, PG_SQL_ASCII));
			visible = may_see(cache, read_all, r->key.role);
		}
		values[PS_CONNECTIONS] = Int32GetDatum(c->connections);

		if (!visible)
		{
			for (int col = PS_CONNECTIONS + 1; col < POOL_STATS_COLS; col++)
				nulls[col] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}

		values[PS_PEAK_CONNECTIONS] = Int32GetDatum(c->peak_connections);
		put_timestamp(values, nulls, PS_PEAK_AT, c->peak_at);
		values[PS_SESSIONS_OPENED] = Int64GetDatum(c->sessions_opened);
		for (int e = 0; e < LG_END_NUM; e++)
			values[PS_ENDED_FIRST + e] = Int64GetDatum(c->ended[e]);
		values[PS_SESSION_TIME] = ms_datum(c->session_time);
		for (int e = 0; e < LG_REFUSED_NUM; e++)
			values[PS_REFUSED_FIRST + e] = Int64GetDatum(c->refused[e]);
		put_timestamp(values, nulls, PS_LAST_REFUSED_AT, c->last_refused_at);
		values[PS_COMMITS] = Int64GetDatum(x->commits);
		values[PS_ROLLBACKS] = Int64GetDatum(x->rollbacks);
		values[PS_HANDOFFS] = Int64GetDatum(x->handoffs);
		values[PS_TRANSACTION_TIME] = ms_datum(x->transaction_time);
		values[PS_ACTIVE_TIME] = ms_datum(x->active_time);
		values[PS_IDLE_IN_TRANSACTION_TIME] = ms_datum(x->idle_in_transaction_time);
		values[PS_LONGEST_TRANSACTION_TIME] = ms_datum(x->longest_transaction);
		values[PS_LONGEST_IDLE_IN_TRANSACTION_TIME] = ms_datum(x->longest_idle_in_transaction);
		for (int e = 0; e < LG_ERROR_NUM; e++)
			values[PS_ERRORS_FIRST + e] = Int64GetDatum(x->errors[e]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	hash_destroy(cache);
	return (Datum) 0;
}

/*
 * pool_stats_info(): entries, max_entries, overflowed, since, and the
 * server's client connections now and at their peak
 */
Datum
lifeguard_pool_stats_info(PG_FUNCTION_ARGS)
{
	Datum		values[7];
	bool		nulls[7] = {0};
	LgStatsInfo info;

	lg_stats_info("pool_stats_info", &info);
	values[0] = Int32GetDatum(info.entries);
	values[1] = Int32GetDatum(lg_stats_max_entries);
	values[2] = Int64GetDatum(info.overflowed);
	values[3] = TimestampTzGetDatum(info.since);
	values[4] = Int32GetDatum(info.connections);
	values[5] = Int32GetDatum(info.peak_connections);
	put_timestamp(values, nulls, 6, info.peak_at);
	PG_RETURN_DATUM(lg_row_datum(fcinfo, values, nulls));
}

/* pool_stats_reset(): every count back to zero */
Datum
lifeguard_pool_stats_reset(PG_FUNCTION_ARGS)
{
	lg_stats_reset("pool_stats_reset");
	PG_RETURN_VOID();
}
