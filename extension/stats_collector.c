/*-------------------------------------------------------------------------
 *
 * stats_collector.c
 *	  What pool_stats counts, as it happens: sessions opened and how they
 *	  ended, connections refused and why, transactions with their times,
 *	  and the errors that show a pooler breaking the application.
 *
 * Attribution.  A session and a refusal belong to the row of the startup
 * packet's database and role and of the application_name the session
 * started with (the startup packet's, or its options', or the role's or
 * database's default; for a refusal, which comes before any of that is
 * read, the startup packet's application_name).  A transaction belongs to
 * the application_name current when it started: PgBouncer in transaction
 * mode sets it when it hands the server connection to a client of another
 * application, in a transaction of its own.  Such a transaction, which
 * only changes application_name (and other settings) with SET, is the
 * pooler's handoff: it is counted as one handoff of the new application,
 * not as one of its transactions.  Names lose PgBouncer's " - host:port"
 * suffix (common/appname.c).
 *
 * Where each count is taken:
 *	- emit_log_hook, FATAL before the session began: a refusal, classified
 *	  by SQLSTATE and the untranslated message (53300 max_connections,
 *	  reserved slots, role and database CONNECTION LIMIT; 28P01 and 28000
 *	  authentication; anything else "other").  A process refused by
 *	  max_connections has no PGPROC yet: stats_table.c buffers those
 *	  without a lock.  A client that leaves at the password prompt (libpq
 *	  does, before it asks for the password) raises no FATAL and is not
 *	  counted.  Only messages the server logs are seen (log_min_messages
 *	  at fatal or below, as by default).
 *	- the transaction callback: the first commit of a client backend is
 *	  the end of InitPostgres, where the session opens (its startup
 *	  transaction is not counted); every later commit, prepare or abort is
 *	  a transaction, whose time is the server's own start and stop
 *	  timestamps, whose idle-in-transaction time is what the server added
 *	  to pgStatTransactionIdleTime since its BEGIN, and whose application
 *	  is read off application_name's GUC stack (the value from before the
 *	  transaction's first SET) without any per-statement hook.
 *	- ProcessUtility_hook: BEGIN (the idle time's starting point), the
 *	  statement that ends a transaction block, and whether a transaction
 *	  ran anything but SET (handoffs).  After an error in a transaction
 *	  block the transaction is counted as a rollback at once, and the time
 *	  until the client's ROLLBACK is added when it comes.
 *	- emit_log_hook, ERROR: 26000, 42P05 and "cached plan must not change
 *	  result type", counted with the transaction they abort.
 *	- an on_shmem_exit callback registered at the session's opening: how
 *	  it ended (pgStatSessionEndCause, refined by the last FATAL's
 *	  SQLSTATE), its duration, and the final idle-in-transaction wait of a
 *	  session that died in one (the server never adds that one).
 *
 * The per-transaction cost is a few dozen instructions and no lock: the
 * counts go to this backend's slot (stats_table.c).  The single-user
 * backend is counted too, as one session of its database and user.
 *
 * State: backend-local only (this session's key and state, the sequence
 * number of its transactions, the errors of the current one, an aborted
 * transaction block not ended yet); what is shared is stats_table.c's,
 * under its locking rules.  Nothing here reports an error from inside the
 * log hook.  This file calls settings.c and stats_table.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/backend_status.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "appname.h"
#include "compat.h"
#include "settings.h"
#include "stats_collector.h"
#include "stats_table.h"

static emit_log_hook_type prev_emit_log_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* where this process is: the session it counts, if any */
typedef enum SessionState
{
	SESSION_STARTING,			/* nothing known: a FATAL is a refusal */
	SESSION_READY,				/* a client, InitPostgres committing */
	SESSION_OPEN,				/* counted */
	SESSION_DONE				/* ended, refused, or not a client */
} SessionState;

static SessionState session = SESSION_STARTING;

/* the session's row, and whether it fit in the table */
static LgStatsKey session_key;
static bool session_fits = false;

/* the row of its transactions; key_app_ptr is the string it was made of */
static LgStatsKey xact_key;
static const char *key_app_ptr = NULL;

/* application_name's GUC, for the value before a transaction's SET */
static struct config_generic *appconf = NULL;

/* SQLSTATE of the session's last FATAL */
static int	last_fatal_sqlstate = 0;

/*
 * xact_seq counts the transactions that ended; the one in progress is
 * number xact_seq.  Marks of what the utility hook saw in it.
 */
static uint64 xact_seq = 0;
static uint64 begin_seq = PG_UINT64_MAX;	/* a BEGIN */
static uint64 end_seq = PG_UINT64_MAX;	/* COMMIT, ROLLBACK or PREPARE */
static uint64 other_seq = PG_UINT64_MAX;	/* a utility other than SET */
static int64 idle_at_begin = 0;
static bool chain_next = false;	/* COMMIT/ROLLBACK AND CHAIN: a block follows */

/* the errors of the transaction in progress */
static int64 pending_errors[LG_ERROR_NUM];
static bool errors_pending = false;

/*
 * A transaction block aborted by an error and not ended by the client
 * yet: counted as a rollback at the error, its time runs on until the
 * ROLLBACK (or the session's end).
 */
static bool lingering = false;
static TimestampTz lingering_stop;
static int64 lingering_idle0;
static int64 lingering_time;
static int64 lingering_idle;

static void begin_chained_block(void);

static void
make_key(LgStatsKey *key, const char *database, const char *role,
		 const char *application)
{
	memset(key, 0, sizeof(*key));
	strlcpy(key->database, database ? database : "", NAMEDATALEN);
	strlcpy(key->role, role ? role : "", NAMEDATALEN);
	lg_appname_base(application ? application : "", key->application,
					NAMEDATALEN);
}

/* ---- refusals and errors (emit_log_hook) ---- */

/* a client connection still starting, with its startup packet read */
static bool
is_client_startup(void)
{
	return IsUnderPostmaster && MyBackendType == B_BACKEND &&
		MyProcPort != NULL && MyProcPort->database_name != NULL &&
		MyProcPort->user_name != NULL;
}

static LgStatsRefusal
refusal_cause(const ErrorData *edata)
{
	const char *m = edata->message_id ? edata->message_id : "";

	switch (edata->sqlerrcode)
	{
		case ERRCODE_TOO_MANY_CONNECTIONS:
			if (strcmp(m, "sorry, too many clients already") == 0)
				return LG_REFUSED_TOO_MANY_CLIENTS;
			if (lg_message_is_reserved_slots(m))
				return LG_REFUSED_RESERVED;
			if (strcmp(m, "too many connections for role \"%s\"") == 0)
				return LG_REFUSED_ROLE_LIMIT;
			if (strcmp(m, "too many connections for database \"%s\"") == 0)
				return LG_REFUSED_DATABASE_LIMIT;
			return LG_REFUSED_OTHER;
		case ERRCODE_INVALID_PASSWORD:
		case ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION:
			return LG_REFUSED_AUTHENTICATION;
		default:
			return LG_REFUSED_OTHER;
	}
}

static void
count_error(const ErrorData *edata)
{
	int			e;

	if (edata->sqlerrcode == ERRCODE_UNDEFINED_PSTATEMENT)
		e = LG_ERROR_PREPARED_MISSING;
	else if (edata->sqlerrcode == ERRCODE_DUPLICATE_PSTATEMENT)
		e = LG_ERROR_PREPARED_EXISTS;
	else if (edata->sqlerrcode == ERRCODE_FEATURE_NOT_SUPPORTED &&
			 edata->message_id != NULL &&
			 strcmp(edata->message_id, "cached plan must not change result type") == 0)
		e = LG_ERROR_CACHED_PLAN;
	else
		return;
	pending_errors[e]++;
	errors_pending = true;
}

/*
 * Integer compares, string compares and the table's atomics or lock only:
 * this runs inside the server's error report (see stats_table.c).
 */
static void
stats_emit_log(ErrorData *edata)
{
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);

	if (edata->elevel == ERROR)
	{
		if (session == SESSION_OPEN)
			count_error(edata);
		return;
	}
	if (edata->elevel != FATAL)
		return;
	if (session == SESSION_OPEN)
	{
		last_fatal_sqlstate = edata->sqlerrcode;
		return;
	}
	if (session != SESSION_DONE && is_client_startup())
	{
		LgStatsKey	key;

		session = SESSION_DONE;
		make_key(&key, MyProcPort->database_name, MyProcPort->user_name,
				 MyProcPort->application_name);
		lg_stats_refusal(&key, refusal_cause(edata), true);
	}
}

/* ---- transactions ---- */

/*
 * Transactions from now on belong to the application in app (a string of
 * the GUC machinery; key_app_ptr is the one the current row was made of:
 * the same pointer is the same string, as a new value is always allocated
 * before the old one is freed).
 */
pg_noinline static void
change_xact_application(const char *app)
{
	char		base[NAMEDATALEN];

	key_app_ptr = app;
	lg_appname_base(app ? app : "", base, NAMEDATALEN);
	if (strcmp(base, xact_key.application) == 0)
		return;
	memset(xact_key.application, 0, NAMEDATALEN);
	strlcpy(xact_key.application, base, NAMEDATALEN);
	lg_stats_xact_rekey(&xact_key);
}

static inline void
set_xact_application(const char *app)
{
	if (unlikely(app != key_app_ptr))
		change_xact_application(app);
}

/* the errors counted since the last transaction go to its row */
pg_noinline static void
flush_errors(void)
{
	LgStatsXact x;

	memset(&x, 0, sizeof(x));
	memcpy(x.errors, pending_errors, sizeof(x.errors));
	memset(pending_errors, 0, sizeof(pending_errors));
	errors_pending = false;
	lg_stats_xact_add(&x);
}

/* is the session idle in a transaction block (not an aborted one)? */
static int64
final_idle(TimestampTz now, BackendState state)
{
	if (MyBEEntry == NULL || MyBEEntry->st_state != state)
		return 0;
	return Max(now - MyBEEntry->st_state_start_timestamp, 0);
}

/*
 * The application_name the transaction started with, when it changed it:
 * the bottom of the GUC stack holds the value from before its first SET.
 */
static inline const char *
application_at_start(void)
{
	GucStack   *s = appconf->stack;

	while (s->prev)
		s = s->prev;
	return s->prior.val.stringval;
}

/*
 * A committed transaction that changed application_name and did nothing
 * but SET (no snapshot, no xid, no other utility statement) is a handoff
 * to the new name.
 */
static inline bool
is_handoff(const char *start_app, const char *app, uint64 this_xact)
{
	return strcmp(start_app ? start_app : "", app ? app : "") != 0 &&
		other_seq != this_xact && !FirstSnapshotSet &&
		!TransactionIdIsValid(GetTopTransactionIdIfAny());
}

pg_noinline static void
count_handoff(const char *app)
{
	LgStatsXact x;

	set_xact_application(app);
	memset(&x, 0, sizeof(x));
	x.handoffs = 1;
	lg_stats_xact_add(&x);
}

/*
 * An error in a transaction block: the block stays, aborted, until the
 * client ends it (a COMMIT, ROLLBACK or PREPARE seen in this transaction
 * means it is ending now).
 */
pg_noinline static void
note_aborted_block(uint64 this_xact, TimestampTz stop, int64 t, int64 idle)
{
	if (begin_seq == this_xact && end_seq != this_xact &&
		!proc_exit_inprogress && TransactionBlockStatusCode() == 'T')
	{
		lingering = true;
		lingering_stop = stop;
		lingering_idle0 = pgStatTransactionIdleTime;
		lingering_time = t;
		lingering_idle = idle;
	}
}

/*
 * A transaction ended (commit or abort): count it in this backend's slot,
 * without a lock.  Out of line, so that the transaction callback's other
 * events do not pay for its frame; what is rare is out of line here.
 */
pg_noinline static void
end_transaction(bool commit)
{
	uint64		this_xact = xact_seq++;
	TimestampTz start = GetCurrentTransactionStartTimestamp();
	TimestampTz stop = GetCurrentTransactionStopTimestamp();
	int64		t = Max(stop - start, 0);
	const char *app = application_name;
	int64		idle = 0;

	lingering = false;
	if (unlikely(appconf != NULL && appconf->stack != NULL))
	{
		const char *start_app = application_at_start();

		if (commit && is_handoff(start_app, app, this_xact))
		{
			count_handoff(app);
			return;
		}
		app = start_app;
	}
	set_xact_application(app);

	if (begin_seq == this_xact)
		idle = pgStatTransactionIdleTime - idle_at_begin;
	/* ended while idle in a transaction: its session is ending */
	if (!commit)
		idle += final_idle(stop, STATE_IDLEINTRANSACTION);
	idle = Min(Max(idle, 0), t);
	lg_stats_xact_end(commit, t, idle);
	if (unlikely(errors_pending))
		flush_errors();
	if (!commit)
		note_aborted_block(this_xact, stop, t, idle);
	if (unlikely(chain_next))
		begin_chained_block();
}

/*
 * After COMMIT AND CHAIN or ROLLBACK AND CHAIN a transaction block starts
 * at once, without a BEGIN.
 */
static void
begin_chained_block(void)
{
	if (!chain_next)
		return;
	chain_next = false;
	begin_seq = xact_seq;
	idle_at_begin = pgStatTransactionIdleTime;
}

/* the client ended the aborted block at now (or the session ended) */
static void
settle_lingering(TimestampTz now, bool at_exit)
{
	int64		d = now - lingering_stop;
	int64		idle = pgStatTransactionIdleTime - lingering_idle0;
	LgStatsXact x;

	d = Max(d, 0);
	if (at_exit)
		idle += final_idle(now, STATE_IDLEINTRANSACTION_ABORTED);
	idle = Min(Max(idle, 0), d);
	memset(&x, 0, sizeof(x));
	x.transaction_time = d;
	x.idle_in_transaction_time = idle;
	x.active_time = d - idle;
	x.longest_transaction = lingering_time + d;
	x.longest_idle_in_transaction = lingering_idle + idle;
	lg_stats_xact_add(&x);
	lingering = false;
	begin_chained_block();
}

/* ---- sessions ---- */

static LgStatsEnd
end_cause(void)
{
	switch (pgStatSessionEndCause)
	{
		case DISCONNECT_CLIENT_EOF:
			return LG_END_CLIENT_GONE;
		case DISCONNECT_KILLED:
			return LG_END_TERMINATED;
		case DISCONNECT_FATAL:
			if (last_fatal_sqlstate == ERRCODE_IDLE_SESSION_TIMEOUT)
				return LG_END_IDLE_SESSION_TIMEOUT;
			if (last_fatal_sqlstate == ERRCODE_IDLE_IN_TRANSACTION_SESSION_TIMEOUT)
				return LG_END_IDLE_IN_TRANSACTION_TIMEOUT;
			if (last_fatal_sqlstate == LG_ERRCODE_TRANSACTION_TIMEOUT)
				return LG_END_TRANSACTION_TIMEOUT;
			if (last_fatal_sqlstate == ERRCODE_CONNECTION_FAILURE)
				return LG_END_CLIENT_GONE;
			if (last_fatal_sqlstate == ERRCODE_ADMIN_SHUTDOWN)
				return LG_END_TERMINATED;
			return LG_END_FATAL;
		default:
			return LG_END_NORMAL;
	}
}

/*
 * on_shmem_exit: after the server aborted any open transaction (our
 * transaction callback counted it), before the PGPROC goes.
 */
static void
session_exit(int code, Datum arg)
{
	TimestampTz now;

	if (session != SESSION_OPEN)
		return;
	session = SESSION_DONE;
	now = GetCurrentTimestamp();
	if (lingering)
		settle_lingering(now, true);
	if (errors_pending)
		flush_errors();
	lg_stats_session_end(&session_key, session_fits, end_cause(),
						 now - MyStartTimestamp);
}

/*
 * The first pre-commit of a process: InitPostgres's, for a client backend
 * (or the single-user backend), whose names are final now.
 */
static void
prepare_session(void)
{
	const char *database;
	const char *role;

	session = SESSION_DONE;
	if (!OidIsValid(MyDatabaseId))
		return;
	if (IsUnderPostmaster)
	{
		if (MyBackendType != B_BACKEND || MyProcPort == NULL)
			return;
		database = MyProcPort->database_name;
		role = MyProcPort->user_name;
	}
	else if (!IsPostmasterEnvironment)
	{
		/* single-user mode: no startup packet, and a transaction open */
		database = get_database_name(MyDatabaseId);
		role = GetUserNameFromId(GetSessionUserId(), true);
	}
	else
		return;
	make_key(&session_key, database, role, application_name);
	appconf = lg_find_guc("application_name");
	session = SESSION_READY;
}

static void
open_session(void)
{
	session_fits = lg_stats_session_open(&session_key);
	xact_key = session_key;
	key_app_ptr = application_name;
	on_shmem_exit(session_exit, (Datum) 0);
	session = SESSION_OPEN;
	xact_seq++;					/* InitPostgres's transaction */
}

/* the events of a process whose session is not open */
pg_noinline static void
other_xact_event(XactEvent event)
{
	if (event == XACT_EVENT_PRE_COMMIT && session == SESSION_STARTING)
		prepare_session();
	else if ((event == XACT_EVENT_COMMIT || event == XACT_EVENT_PREPARE) &&
			 session == SESSION_READY)
		open_session();
}

static void
stats_xact_callback(XactEvent event, void *arg)
{
	if (likely(session == SESSION_OPEN))
	{
		if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PREPARE)
			end_transaction(true);
		else if (event == XACT_EVENT_ABORT)
			end_transaction(false);
	}
	else if (session != SESSION_DONE)
		other_xact_event(event);
}

/* ---- the utility hook ---- */

static void
note_transaction_statement(TransactionStmt *stmt)
{
	switch (stmt->kind)
	{
		case TRANS_STMT_BEGIN:
		case TRANS_STMT_START:
			if (begin_seq != xact_seq)
			{
				begin_seq = xact_seq;
				idle_at_begin = pgStatTransactionIdleTime;
			}
			break;
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_ROLLBACK:
		case TRANS_STMT_PREPARE:
			end_seq = xact_seq;
			chain_next = stmt->chain;
			break;
		default:
			break;
	}
}

/* a utility statement of an open session: what it tells of the transaction */
static void
note_utility(Node *parsetree)
{
	if (lingering)
	{
		/* the aborted block: only its end can come */
		if (IsA(parsetree, TransactionStmt) &&
			IsAbortedTransactionBlockState())
		{
			TransactionStmtKind kind = ((TransactionStmt *) parsetree)->kind;

			if (kind == TRANS_STMT_COMMIT || kind == TRANS_STMT_ROLLBACK ||
				kind == TRANS_STMT_PREPARE)
			{
				chain_next = ((TransactionStmt *) parsetree)->chain;
				settle_lingering(GetCurrentStatementStartTimestamp(), false);
			}
		}
	}
	else if (!IsA(parsetree, VariableSetStmt))
	{
		other_seq = xact_seq;
		if (IsA(parsetree, TransactionStmt))
			note_transaction_statement((TransactionStmt *) parsetree);
	}
}

static void
stats_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree,
					 ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest,
					 QueryCompletion *qc)
{
	if (session == SESSION_OPEN)
		note_utility(pstmt->utilityStmt);

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree,
							context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree,
								context, params, queryEnv, dest, qc);
}

void
lg_stats_collector_install(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = stats_emit_log;
	RegisterXactCallback(stats_xact_callback, NULL);
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = stats_ProcessUtility;
}
