/*-------------------------------------------------------------------------
 *
 * pool_usage.c
 *	  Pool visibility: pool_usage(), pool_headroom() and pool_capacity().
 *
 * Everything here reads the backend status array the way pg_stat_activity
 * does (pgstatfuncs.c, pg_stat_get_activity): through the backend-local
 * snapshot that pgstat_read_current_status() takes on first access in a
 * transaction and keeps until the transaction ends or
 * pg_stat_clear_snapshot() is called.  Only client backends (B_BACKEND)
 * are counted; walsenders, autovacuum, background and parallel workers are
 * not.
 *
 * Whether an active backend waits on a heavyweight lock comes, as for
 * pg_stat_activity, from the wait_event_info of its PGPROC, which is read
 * without a lock (the value is a single uint32 that may change at any
 * moment anyway).  pg_stat_activity looks each PGPROC up with
 * BackendPidGetProc(), a scan of the proc array per backend; to stay
 * linear in the number of backends we instead walk ProcGlobal->allProcs
 * once and remember the pids whose wait class is PG_WAIT_LOCK.
 *
 * Privacy follows HAS_PGSTAT_PERMISSIONS in pgstatfuncs.c: a caller sees
 * the state of a backend when it has the privileges of the backend's role
 * or of pg_read_all_stats; for other backends only the number of
 * connections is reported.
 *
 * Nothing here is shared or kept between calls: the grouping hash tables
 * live in a memory context that is deleted before each function returns.
 * No locking beyond what the backend status snapshot does itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/postmaster.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inet.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/backend_status.h"
#include "utils/wait_event.h"

#include "compat.h"
#include "lg_extension.h"

PG_FUNCTION_INFO_V1(lifeguard_pool_usage);
PG_FUNCTION_INFO_V1(lifeguard_pool_headroom);
PG_FUNCTION_INFO_V1(lifeguard_pool_capacity);

/* the wait class part of wait_event_info (see utils/wait_event.h) */
#define LG_WAIT_CLASS_MASK		0xFF000000U

/* one read of a field another process may change (as in pgstatfuncs.c) */
#define LG_UINT32_ACCESS_ONCE(var)	((uint32) (*((volatile uint32 *) &(var))))
#define LG_INT_ACCESS_ONCE(var)		((int) (*((volatile int *) &(var))))

/*
 * Grouping key of pool_usage: database, role, application_name and client
 * address (without the port: every connection of a pool has its own).  The
 * key is hashed as a blob, so it is always zeroed before it is filled.
 */
typedef struct PoolKey
{
	Oid			databaseid;
	Oid			userid;
	char		appname[NAMEDATALEN];
	unsigned char family;		/* 0 (no address), PGSQL_AF_INET(6) */
	unsigned char addr[16];		/* network byte order, as in inet */
} PoolKey;

/* "none yet" for the oldest-timestamp accumulators */
#define NO_TIMESTAMP	DT_NOEND

typedef struct PoolEntry
{
	PoolKey		key;			/* hash key; must be first */
	bool		visible;		/* may the caller see these backends' state? */
	int32		connections;
	int32		active;
	int32		idle;
	int32		idle_in_transaction;
	int32		idle_in_transaction_aborted;
	int32		waiting;
	TimestampTz oldest_xact_start;
	TimestampTz oldest_idle_in_transaction;
	TimestampTz oldest_query_start;
} PoolEntry;

/* per-role answer of the privacy rule, so it is asked once per role */
typedef struct RoleVisibility
{
	Oid			userid;			/* hash key; must be first */
	bool		visible;
} RoleVisibility;

/* the columns of pool_usage(), in the order of its OUT parameters */
typedef enum PoolUsageColumn
{
	PU_DATABASE,
	PU_ROLE,
	PU_APPLICATION_NAME,
	PU_CLIENT_ADDR,
	PU_CONNECTIONS,
	PU_ACTIVE,
	PU_IDLE,
	PU_IDLE_IN_TRANSACTION,
	PU_IDLE_IN_TRANSACTION_ABORTED,
	PU_WAITING,
	PU_OLDEST_XACT_AGE,
	PU_LONGEST_IDLE_IN_TRANSACTION,
	PU_LONGEST_QUERY,
	POOL_USAGE_COLS
} PoolUsageColumn;

/*
 * The pids of processes that wait on a heavyweight lock right now, from one
 * unlocked pass over all PGPROCs (see the header comment).
 */
static HTAB *
lock_waiter_pids(MemoryContext cxt)
{
	HTAB	   *pids;
	uint32		i;

	pids = lg_local_hash("lifeguard lock waiters", 16, sizeof(int),
						 sizeof(int), cxt);

	for (i = 0; i < ProcGlobal->allProcCount; i++)
	{
		PGPROC	   *proc = &ProcGlobal->allProcs[i];
		uint32		wait_event_info = LG_UINT32_ACCESS_ONCE(proc->wait_event_info);
		int			pid = LG_INT_ACCESS_ONCE(proc->pid);

		if (pid != 0 && (wait_event_info & LG_WAIT_CLASS_MASK) == PG_WAIT_LOCK)
			(void) hash_search(pids, &pid, HASH_ENTER, NULL);
	}
	return pids;
}

/*
 * Fill the address part of a key from a backend's client address the way
 * pg_stat_activity fills client_addr: IPv4 and IPv6 addresses only;
 * Unix-domain sockets and unknown addresses leave family 0 (NULL).
 */
static void
key_set_client_addr(PoolKey *key, const SockAddr *sa)
{
	const struct sockaddr_storage *ss = &sa->addr;

	if (sa->salen == 0)
		return;
	if (ss->ss_family == AF_INET)
	{
		const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;

		key->family = PGSQL_AF_INET;
		memcpy(key->addr, &sin->sin_addr.s_addr, 4);
	}
	else if (ss->ss_family == AF_INET6)
	{
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;

		key->family = PGSQL_AF_INET6;
		memcpy(key->addr, sin6->sin6_addr.s6_addr, 16);
	}
}

/* the inet datum of a key's address; the key must have one */
static Datum
key_client_addr_datum(const PoolKey *key)
{
	inet	   *res = (inet *) palloc0(sizeof(inet));

	ip_family(res) = key->family;
	if (key->family == PGSQL_AF_INET)
	{
		ip_bits(res) = 32;
		memcpy(ip_addr(res), key->addr, 4);
	}
	else
	{
		ip_bits(res) = 128;
		memcpy(ip_addr(res), key->addr, 16);
	}
	SET_INET_VARSIZE(res);
	return InetPGetDatum(res);
}

/* now - start as an interval, as timestamptz subtraction makes it; never negative */
static Datum
age_datum(TimestampTz now, TimestampTz start)
{
	if (start > now)
		start = now;
	return DirectFunctionCall2(timestamp_mi,
							   TimestampTzGetDatum(now),
							   TimestampTzGetDatum(start));
}

static inline void
keep_oldest(TimestampTz *oldest, TimestampTz ts)
{
	if (ts != 0 && ts < *oldest)
		*oldest = ts;
}

/*
 * pool_usage(): one row per (database, role, application_name,
 * client_addr) of client backends.
 *
 * connections counts every client backend of the group.  For a group the
 * caller may see (HAS_PGSTAT_PERMISSIONS), the state columns split them by
 * pg_stat_activity.state: active ('active' and 'fastpath function call'),
 * idle, idle_in_transaction, idle_in_transaction_aborted; waiting counts
 * the active ones whose wait event is of class Lock.  Backends still
 * starting or with track_activities off ('disabled') count only in
 * connections.  The intervals are measured from the current time
 * (clock_timestamp()):
 *
 *	oldest_xact_age				the oldest xact_start of the group
 *	longest_idle_in_transaction the oldest state_change among its backends
 *								idle in a transaction (aborted or not)
 *	longest_query				the oldest query_start among its active
 *								backends
 *
 * Each is NULL when no backend of the group qualifies.  For a group the
 * caller may not see, client_addr, the state columns and the intervals are
 * all NULL, and backends of different addresses fall into one row.
 */
/* a group's entry in the grouping table, zeroed when it is new */
static PoolEntry *
group_entry(HTAB *groups, const PoolKey *key, bool visible)
{
	PoolEntry  *entry;
	bool		found;

	entry = hash_search(groups, key, HASH_ENTER, &found);
	if (!found)
	{
		entry->visible = visible;
		entry->connections = 0;
		entry->active = 0;
		entry->idle = 0;
		entry->idle_in_transaction = 0;
		entry->idle_in_transaction_aborted = 0;
		entry->waiting = 0;
		entry->oldest_xact_start = NO_TIMESTAMP;
		entry->oldest_idle_in_transaction = NO_TIMESTAMP;
		entry->oldest_query_start = NO_TIMESTAMP;
	}
	return entry;
}

/* count one visible backend's state into its group */
static void
count_backend_state(PoolEntry *entry, const PgBackendStatus *be, HTAB *waiters)
{
	keep_oldest(&entry->oldest_xact_start, be->st_xact_start_timestamp);
	switch (be->st_state)
	{
		case STATE_RUNNING:
		case STATE_FASTPATH:
			entry->active++;
			keep_oldest(&entry->oldest_query_start,
						be->st_activity_start_timestamp);
			if (hash_search(waiters, &be->st_procpid, HASH_FIND, NULL))
				entry->waiting++;
			break;
		case STATE_IDLE:
			entry->idle++;
			break;
		case STATE_IDLEINTRANSACTION:
			entry->idle_in_transaction++;
			keep_oldest(&entry->oldest_idle_in_transaction,
						be->st_state_start_timestamp);
			break;
		case STATE_IDLEINTRANSACTION_ABORTED:
			entry->idle_in_transaction_aborted++;
			keep_oldest(&entry->oldest_idle_in_transaction,
						be->st_state_start_timestamp);
			break;
		case STATE_UNDEFINED:
		case STATE_DISABLED:
			LG_CASE_STATE_STARTING
			break;
	}
}

/*
 * Group the client backends of the current status snapshot: one pass, with
 * the privacy rule asked once per role.  The tables live in work_cxt.
 */
static HTAB *
group_client_backends(MemoryContext work_cxt)
{
	HTAB	   *groups;
	HTAB	   *roles;
	HTAB	   *waiters;
	int			num_backends;

	groups = lg_local_hash("lifeguard pool_usage groups", 64,
						   sizeof(PoolKey), sizeof(PoolEntry), work_cxt);

	roles = lg_local_hash("lifeguard pool_usage roles", 16, sizeof(Oid),
						  sizeof(RoleVisibility), work_cxt);

	waiters = lock_waiter_pids(work_cxt);

	num_backends = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= num_backends; i++)
	{
		LocalPgBackendStatus *local = lg_local_beentry(i);
		PgBackendStatus *be;
		RoleVisibility *rv;
		PoolEntry  *entry;
		PoolKey		key;
		bool		found;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_procpid <= 0 || be->st_backendType != B_BACKEND)
			continue;

		rv = hash_search(roles, &be->st_userid, HASH_ENTER, &found);
		if (!found)
			rv->visible = lg_may_see_activity_of(be->st_userid);

		memset(&key, 0, sizeof(key));
		key.databaseid = be->st_databaseid;
		key.userid = be->st_userid;
		if (be->st_appname)
			strlcpy(key.appname, be->st_appname, NAMEDATALEN);
		if (rv->visible)
			key_set_client_addr(&key, &be->st_clientaddr);

		entry = group_entry(groups, &key, rv->visible);
		entry->connections++;
		if (entry->visible)
			count_backend_state(entry, be, waiters);
	}
	return groups;
}

/* set a column to an interval since start, unless nothing qualified */
static void
put_age(Datum *values, bool *nulls, PoolUsageColumn col, TimestampTz now,
		TimestampTz start)
{
	if (start == NO_TIMESTAMP)
		return;
	values[col] = age_datum(now, start);
	nulls[col] = false;
}

/* one group's row of pool_usage() */
static void
put_group_row(ReturnSetInfo *rsinfo, const PoolEntry *entry, TimestampTz now)
{
	Datum		values[POOL_USAGE_COLS];
	bool		nulls[POOL_USAGE_COLS];
	char	   *dbname = NULL;
	char	   *rolename = NULL;
	NameData	dbname_data;
	NameData	rolename_data;

	memset(nulls, true, sizeof(nulls));

	if (OidIsValid(entry->key.databaseid))
		dbname = get_database_name(entry->key.databaseid);
	if (dbname)
	{
		namestrcpy(&dbname_data, dbname);
		values[PU_DATABASE] = NameGetDatum(&dbname_data);
		nulls[PU_DATABASE] = false;
	}
	if (OidIsValid(entry->key.userid))
		rolename = GetUserNameFromId(entry->key.userid, true);
	if (rolename)
	{
		namestrcpy(&rolename_data, rolename);
		values[PU_ROLE] = NameGetDatum(&rolename_data);
		nulls[PU_ROLE] = false;
	}
	values[PU_APPLICATION_NAME] = CStringGetTextDatum(entry->key.appname);
	nulls[PU_APPLICATION_NAME] = false;
	if (entry->key.family != 0)
	{
		values[PU_CLIENT_ADDR] = key_client_addr_datum(&entry->key);
		nulls[PU_CLIENT_ADDR] = false;
	}
	values[PU_CONNECTIONS] = Int32GetDatum(entry->connections);
	nulls[PU_CONNECTIONS] = false;

	if (entry->visible)
	{
		values[PU_ACTIVE] = Int32GetDatum(entry->active);
		values[PU_IDLE] = Int32GetDatum(entry->idle);
		values[PU_IDLE_IN_TRANSACTION] = Int32GetDatum(entry->idle_in_transaction);
		values[PU_IDLE_IN_TRANSACTION_ABORTED] =
			Int32GetDatum(entry->idle_in_transaction_aborted);
		values[PU_WAITING] = Int32GetDatum(entry->waiting);
		for (int col = PU_ACTIVE; col <= PU_WAITING; col++)
			nulls[col] = false;
		put_age(values, nulls, PU_OLDEST_XACT_AGE, now, entry->oldest_xact_start);
		put_age(values, nulls, PU_LONGEST_IDLE_IN_TRANSACTION, now,
				entry->oldest_idle_in_transaction);
		put_age(values, nulls, PU_LONGEST_QUERY, now, entry->oldest_query_start);
	}

	/* the tuplestore copies the values into the per-query context */
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
lifeguard_pool_usage(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = lg_init_srf(fcinfo);
	MemoryContext work_cxt;
	MemoryContext oldcxt;
	HTAB	   *groups;
	HASH_SEQ_STATUS seq;
	PoolEntry  *entry;
	TimestampTz now;

	work_cxt = AllocSetContextCreate(CurrentMemoryContext,
									 "lifeguard pool_usage",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(work_cxt);

	groups = group_client_backends(work_cxt);

	/* one row per group; names are looked up once per group */
	now = GetCurrentTimestamp();
	hash_seq_init(&seq, groups);
	while ((entry = hash_seq_search(&seq)) != NULL)
		put_group_row(rsinfo, entry, now);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(work_cxt);

	return (Datum) 0;
}

/*
 * Client backends in the current backend status snapshot: all of them, those
 * of one role and those in one database (InvalidOid: not counted).  With
 * exclude_self, the calling session is left out.
 */
typedef struct ClientCounts
{
	int			total;
	int			of_role;
	int			of_database;
} ClientCounts;

static void
count_client_backends(Oid roleid, Oid dbid, bool exclude_self,
					  ClientCounts *counts)
{
	int			num_backends = pgstat_fetch_stat_numbackends();
	int			i;

	memset(counts, 0, sizeof(*counts));
	for (i = 1; i <= num_backends; i++)
	{
		LocalPgBackendStatus *local = lg_local_beentry(i);
		PgBackendStatus *be;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_procpid <= 0 || be->st_backendType != B_BACKEND)
			continue;
		if (exclude_self && be->st_procpid == MyProcPid)
			continue;
		counts->total++;
		if (OidIsValid(roleid) && be->st_userid == roleid)
			counts->of_role++;
		if (OidIsValid(dbid) && be->st_databaseid == dbid)
			counts->of_database++;
	}
}

/* a / b * 100, rounded to one decimal, as numeric */
static Datum
percent_datum(int64 a, int64 b)
{
	Datum		num;
	Datum		den;
	Datum		ratio;

	num = NumericGetDatum(int64_to_numeric(a * 100));
	den = NumericGetDatum(int64_to_numeric(b));
	ratio = DirectFunctionCall2(numeric_div, num, den);
	return DirectFunctionCall2(numeric_round, ratio, Int32GetDatum(1));
}

/*
 * pool_headroom(): the server's connection slots at a glance.
 *
 *	max_connections					the setting
 *	superuser_reserved_connections	the setting
 *	reserved_connections			the setting (PG 16+), else NULL
 *	in_use							client backends, the caller included
 *	available						max_connections - superuser_reserved_connections
 *									- reserved_connections - in_use, at least 0:
 *									new connections a role without SUPERUSER
 *									(or pg_use_reserved_connections) can open
 *	utilization						in_use as a percentage of
 *									max_connections - the reserved slots,
 *									one decimal; above 100 when superusers use
 *									their reserved slots
 */
Datum
lifeguard_pool_headroom(PG_FUNCTION_ARGS)
{
	Datum		values[6];
	bool		nulls[6];
	ClientCounts counts;
	int			usable;

	count_client_backends(InvalidOid, InvalidOid, false, &counts);
	usable = MaxConnections - LG_SUPERUSER_RESERVED - LG_RESERVED_CONNECTIONS;

	memset(nulls, false, sizeof(nulls));
	values[0] = Int32GetDatum(MaxConnections);
	values[1] = Int32GetDatum(LG_SUPERUSER_RESERVED);
#ifdef LG_HAVE_RESERVED_CONNECTIONS
	values[2] = Int32GetDatum(ReservedConnections);
#else
	values[2] = (Datum) 0;
	nulls[2] = true;
#endif
	values[3] = Int32GetDatum(counts.total);
	values[4] = Int32GetDatum(Max(usable - counts.total, 0));
	if (usable > 0)
		values[5] = percent_datum(counts.total, usable);
	else
		nulls[5] = true;

	PG_RETURN_DATUM(lg_row_datum(fcinfo, values, nulls));
}

/*
 * Apply one connection limit (a database's or a role's) to *available: no
 * connection at all when connecting is not allowed, else at most the limit
 * less the connections already held (-1 is no limit; superusers ignore
 * limits).  A limit that equals the current value takes over limited_by,
 * so of equal limits the one applied last is named.
 */
static void
apply_connection_limit(int32 *available, const char **limited_by, bool allowed,
					   bool rolsuper, int connlimit, int held, const char *name)
{
	if (!allowed)
	{
		*available = 0;
		*limited_by = name;
	}
	else if (!rolsuper && connlimit >= 0 && connlimit - held <= *available)
	{
		*available = connlimit - held;
		*limited_by = name;
	}
}

/*
 * What pool_capacity() needs of a role or a database: may it connect at all
 * (the role LOGIN, the database ALLOW_CONNECTIONS and valid), its
 * CONNECTION LIMIT, and for a role whether it is a superuser.
 */
typedef struct LimitedObject
{
	Oid			oid;
	bool		allowed;
	int32		connlimit;
	bool		super;
} LimitedObject;

static void
lookup_role(const char *rolename, LimitedObject *role)
{
	HeapTuple	tuple = SearchSysCache1(AUTHNAME, CStringGetDatum(rolename));
	Form_pg_authid form;

	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" does not exist", rolename),
				 errhint("Pass the role the application's pools connect as.")));
	form = (Form_pg_authid) GETSTRUCT(tuple);
	role->oid = form->oid;
	role->allowed = form->rolcanlogin;
	role->connlimit = form->rolconnlimit;
	role->super = form->rolsuper;
	ReleaseSysCache(tuple);
}

static void
lookup_database(const char *dbname, LimitedObject *db)
{
	Oid			dbid = get_database_oid(dbname, true);
	HeapTuple	tuple = NULL;
	Form_pg_database form;

	if (OidIsValid(dbid))
		tuple = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(dbid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("database \"%s\" does not exist", dbname),
				 errhint("Pass the database the application's pools connect to.")));
	form = (Form_pg_database) GETSTRUCT(tuple);
	db->oid = dbid;
	db->allowed = form->datallowconn && !lg_database_is_invalid(form);
	db->connlimit = form->datconnlimit;
	db->super = false;
	ReleaseSysCache(tuple);
}

/*
 * pool_capacity(instances, pool_max, role, database): would instances pools
 * of pool_max connections each, connecting as role to database, fit?
 *
 * "Held" connections are the client backends now connected, except the
 * calling session (the check is usually run from a connection of its own
 * that goes away).  A pool that is already running is counted as held: run
 * the check before it starts, or add its connections back to available.
 *
 * Three limits apply, as PostgreSQL applies them when a connection starts:
 *
 *	max_connections				max_connections - held connections, less
 *								superuser_reserved_connections unless the role
 *								is a superuser, and (PG 16+) less
 *								reserved_connections unless the role is a
 *								superuser or has the privileges of
 *								pg_use_reserved_connections
 *	role connection limit		the role's CONNECTION LIMIT - its held
 *								connections; none for -1 and for superusers;
 *								0 when the role cannot LOGIN
 *	database connection limit	the database's CONNECTION LIMIT - its held
 *								connections; none for -1 and for superusers;
 *								0 when it does not ALLOW_CONNECTIONS (or is
 *								invalid)
 *
 * available is the smallest of these (never below 0), limited_by names it
 * (on a tie the narrowest: role, then database, then max_connections),
 * needed is instances * pool_max, fits is needed <= available, and
 * suggested_pool_max is available / instances rounded down (0 when not even
 * one connection per instance fits).
 */
Datum
lifeguard_pool_capacity(PG_FUNCTION_ARGS)
{
	int32		instances;
	int32		pool_max;
	char	   *rolename;
	char	   *dbname;
	int32		needed;
	LimitedObject role;
	LimitedObject db;
	ClientCounts counts;
	int32		available;
	const char *limited_by;
	Datum		values[5];
	bool		nulls[5];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null",
						PG_ARGISNULL(0) ? "instances" : "pool_max")));
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null",
						PG_ARGISNULL(2) ? "role" : "database"),
				 errhint("Omit role or database to use the current ones.")));

	instances = PG_GETARG_INT32(0);
	pool_max = PG_GETARG_INT32(1);
	rolename = NameStr(*PG_GETARG_NAME(2));
	dbname = NameStr(*PG_GETARG_NAME(3));

	if (instances < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number of instances: %d", instances),
				 errdetail("The number of application instances, each with its own pool, must be at least 1.")));
	if (pool_max < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid pool size: %d", pool_max),
				 errdetail("The largest number of connections in one instance's pool must be at least 1.")));
	if (pg_mul_s32_overflow(instances, pool_max, &needed))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("instances * pool_max is out of range for type integer"),
				 errdetail("%d instances with a pool of %d connections each need more than %d connections.",
						   instances, pool_max, PG_INT32_MAX)));

	lookup_role(rolename, &role);
	lookup_database(dbname, &db);

	count_client_backends(role.oid, db.oid, true, &counts);

	/* max_connections, less the slots this role may not use */
	available = MaxConnections - counts.total;
	if (!role.super)
	{
		available -= LG_SUPERUSER_RESERVED;
		if (!lg_may_use_reserved_connections(role.oid))
			available -= LG_RESERVED_CONNECTIONS;
	}
	limited_by = "max_connections";

	/* the database's limit, then the role's (it wins a tie) */
	apply_connection_limit(&available, &limited_by, db.allowed, role.super,
						   db.connlimit, counts.of_database,
						   "database connection limit");
	apply_connection_limit(&available, &limited_by, role.allowed, role.super,
						   role.connlimit, counts.of_role,
						   "role connection limit");

	available = Max(available, 0);

	memset(nulls, false, sizeof(nulls));
	values[0] = BoolGetDatum(needed <= available);
	values[1] = Int32GetDatum(needed);
	values[2] = Int32GetDatum(available);
	values[3] = CStringGetTextDatum(limited_by);
	values[4] = Int32GetDatum(available / instances);

	PG_RETURN_DATUM(lg_row_datum(fcinfo, values, nulls));
}
