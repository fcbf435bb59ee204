/*-------------------------------------------------------------------------
 *
 * audit_commit.c
 *	  The commit-time check of lifeguard.enforce: whatever way a
 *	  transaction reached it, session state that breaks under transaction
 *	  pooling is found when the transaction commits (or is prepared), and
 *	  under lifeguard.enforce = error the commit is refused.
 *
 * The statement-level detectors (audit_statements.c) refuse what a statement
 * names; a call hidden in a column DEFAULT, a row-level-security policy, a
 * domain CHECK, a rule, an operator, an aggregate, a function argument's
 * DEFAULT or a SQL-standard function body (BEGIN ATOMIC) is not named by
 * the statement, and a named protocol-level statement with an empty query
 * is never analyzed.  This check reads the session's actual state at
 * XACT_EVENT_PRE_COMMIT and XACT_EVENT_PRE_PREPARE:
 *
 *	- parameters set at session level in this transaction: the ones with a
 *	  stacked value in state GUC_SET or GUC_SET_LOCAL (a non-local SET that
 *	  survives the commit), unless the value that survives is the one the
 *	  session started with; SET LOCAL and a function's own SET clause leave
 *	  no such entry by the time the transaction commits;
 *	- session-level advisory locks taken in this transaction: this
 *	  backend's advisory locks (its PROCLOCK lists) with their session
 *	  counts, compared with the same at the transaction's first statement
 *	  (or at the end of the previous transaction);
 *	- named protocol-level prepared statements made since the last check
 *	  (their prepare_time), when lifeguard.protocol_prepared_statements is
 *	  "hazard".
 *
 * LISTEN, WITH HOLD cursors, LOAD and temporary objects can only be made by
 * utility statements, which the statement-level detectors see whatever
 * their syntax (temporary objects through object_access_hook), so they
 * need no check here.
 *
 * A refused commit raises ERROR in the pre-commit callback: the
 * transaction aborts, which undoes parameters, temporary objects, pending
 * LISTENs and held cursors.  Session advisory locks and prepared
 * statements do not roll back, so the ones this transaction added are
 * released and deallocated first.  Under enforce = error, an abort for any
 * other reason releases the session advisory locks the transaction added
 * too (a protocol statement it added is found by the next commit's check).
 *
 * Counting: what the commit-time check finds is recorded in pooling_audit
 * once per hazard and transaction; under enforce = warn, a hazard a
 * statement-level detector already reported in this transaction is not
 * reported again.
 *
 * Cost: with lifeguard.enforce = off the callback returns at its first
 * test and the statement hooks make one test (lg_audit_commit_statement);
 * the checks are kept out of line (pg_noinline), so that the callback's
 * early return does not pay for their stack frame.
 * Under enforcement each commit walks the parameters with stacked values,
 * takes the lock-partition locks (in shared mode) of the partitions in
 * which this backend holds locks to list its advisory locks, walks
 * CacheMemoryContext's children, and reads the prepared-statement table
 * only when a plan source was saved since the last check.
 *
 * State: backend-local only (the baseline of advisory locks, the time of
 * the last check); which hazards the transaction already reported comes
 * from audit_hazard.c.  This file calls settings.c, session_state.c and
 * audit_hazard.c; the statement detectors call it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "commands/prepare.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "audit_commit.h"
#include "audit_hazard.h"
#include "compat.h"
#include "session_state.h"
#include "settings.h"

/* the advisory locks held when transaction baseline_lxid started */
static LgHeldLocks baseline = {0, 0, NULL};
static LocalTransactionId baseline_lxid = InvalidLocalTransactionId;

/* the transaction the statement hooks last saw under enforcement */
static LocalTransactionId current_lxid = InvalidLocalTransactionId;

/*
 * Protocol statements prepared after checked_until were not seen by a
 * check yet, if the last check (or abort) was in transaction checked_lxid.
 */
static TimestampTz checked_until = 0;
static LocalTransactionId checked_lxid = InvalidLocalTransactionId;

/* a named protocol statement was parsed since the last check */
static bool named_parse_pending = false;

/* what the check found: at most one object per hazard */
typedef struct Finding
{
	AuditHazard hazard;
	const char *object;
} Finding;

static int64
held_count(const LgHeldLocks *locks, const LOCKTAG *tag, LOCKMODE mode)
{
	for (int i = 0; i < locks->n; i++)
	{
		if (locks->items[i].mode == mode &&
			memcmp(&locks->items[i].tag, tag, sizeof(LOCKTAG)) == 0)
			return locks->items[i].count;
	}
	return 0;
}

/* keep locks as the baseline of transaction lxid */
static void
set_baseline(const LgHeldLocks *locks, LocalTransactionId lxid)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(TopMemoryContext);

	baseline.n = 0;
	for (int i = 0; i < locks->n; i++)
		lg_held_locks_add(&baseline, &locks->items[i].tag, locks->items[i].mode,
				 locks->items[i].count);
	MemoryContextSwitchTo(oldcontext);
	baseline_lxid = lxid;
}

/*
 * The first statement of a transaction under enforcement: unless the end
 * of the previous transaction left the baseline for this one, record it.
 */
void
lg_audit_commit_statement_start(void)
{
	LocalTransactionId lxid = LG_MY_LXID;
	LgHeldLocks	now = {0, 0, NULL};

	/* parallel workers commit as part of their leader's transaction */
	if (lxid == current_lxid || lxid == InvalidLocalTransactionId ||
		IsParallelWorker())
		return;
	current_lxid = lxid;
	if (baseline_lxid == lxid)
		return;
	lg_session_advisory_locks(&now);
	set_baseline(&now, lxid);
	if (now.items)
		pfree(now.items);
}

/*
 * Release, once per count, the session-level advisory locks in now that
 * the baseline does not have; returns the first one's function name.
 */
static const char *
release_added_locks(const LgHeldLocks *now, bool release)
{
	const char *first = NULL;

	for (int i = 0; i < now->n; i++)
	{
		const LgHeldLock *held = &now->items[i];
		int64		added = held->count - held_count(&baseline, &held->tag, held->mode);

		if (added <= 0)
			continue;
		if (first == NULL)
			first = (held->mode == ShareLock) ? "pg_advisory_lock_shared"
				: "pg_advisory_lock";
		if (!release)
			continue;
		for (int64 k = 0; k < added; k++)
			LockRelease(&held->tag, held->mode, true);
	}
	return first;
}

/* lg_foreach_stacked_guc callback: the first parameter SET to outlive us */
static void
check_parameter(struct config_generic *conf, void *arg)
{
	const char **found = (const char **) arg;

	if (*found != NULL || conf->context == PGC_INTERNAL)
		return;
	if (lg_guc_set_in_transaction(conf) && lg_guc_outlives_transaction(conf) &&
		!lg_parameter_is_exempt(conf->name))
		*found = conf->name;
}

static const char *
session_parameter_set(void)
{
	const char *found = NULL;

	lg_foreach_stacked_guc(check_parameter, &found);
	return found;
}

/* the marker left on every saved plan source a check has seen */
static void
plansource_seen(void *arg)
{
	/* nothing to do when the plan source goes */
}

/*
 * Was a plan source saved since the last check?  Every prepared statement
 * has one, in a memory context of its own under CacheMemoryContext; the
 * ones a check has seen carry our (empty) reset callback, so a new one,
 * even one whose context reuses a freed one's memory, has none.  This
 * walk over CacheMemoryContext's children spares reading the prepared
 * statement table at commits that cannot have added a statement.
 */
static bool
plansource_saved_since_last_check(void)
{
	/* the server's copy of the name: most children are told by the pointer */
	static const char *plansource_name = NULL;
	bool		found = false;

	for (MemoryContext cxt = CacheMemoryContext->firstchild; cxt != NULL;
		 cxt = cxt->nextchild)
	{
		MemoryContextCallback *cb;

		if (cxt->name != plansource_name)
		{
			if (cxt->name[0] != LG_PLANSOURCE_CONTEXT_NAME[0] ||
				strcmp(cxt->name, LG_PLANSOURCE_CONTEXT_NAME) != 0)
				continue;
			plansource_name = cxt->name;
		}
		for (cb = cxt->reset_cbs; cb != NULL; cb = cb->next)
		{
			if (cb->func == plansource_seen)
				break;
		}
		if (cb != NULL)
			continue;
		cb = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));
		cb->func = plansource_seen;
		cb->arg = NULL;
		MemoryContextRegisterResetCallback(cxt, cb);
		found = true;
	}
	return found;
}

/*
 * The names of the named protocol-level prepared statements made after
 * since, read through pg_prepared_statement() (the server's table of
 * prepared statements has no other public reader).
 */
static List *
new_protocol_statements(TimestampTz since)
{
	static FmgrInfo flinfo;
	static bool flinfo_ready = false;
	LOCAL_FCINFO(fcinfo, 0);
	ReturnSetInfo rsinfo;
	ExprContext econtext;
	TupleTableSlot *slot;
	AttrNumber	att_name = 0,
				att_time = 0,
				att_sql = 0;
	List	   *result = NIL;

	if (!flinfo_ready)
	{
		fmgr_info_cxt(F_PG_PREPARED_STATEMENT, &flinfo, TopMemoryContext);
		flinfo_ready = true;
	}
	memset(&econtext, 0, sizeof(econtext));
	econtext.type = T_ExprContext;
	econtext.ecxt_per_query_memory = CurrentMemoryContext;
	memset(&rsinfo, 0, sizeof(rsinfo));
	rsinfo.type = T_ReturnSetInfo;
	rsinfo.econtext = &econtext;
	rsinfo.allowedModes = SFRM_Materialize;
	rsinfo.returnMode = SFRM_Materialize;
	InitFunctionCallInfoData(*fcinfo, &flinfo, 0, InvalidOid, NULL,
							 (Node *) &rsinfo);
	(void) FunctionCallInvoke(fcinfo);
	if (rsinfo.setResult == NULL || rsinfo.setDesc == NULL)
		return NIL;

	for (int i = 0; i < rsinfo.setDesc->natts; i++)
	{
		const char *attname = NameStr(TupleDescAttr(rsinfo.setDesc, i)->attname);

		if (strcmp(attname, "name") == 0)
			att_name = i + 1;
		else if (strcmp(attname, "prepare_time") == 0)
			att_time = i + 1;
		else if (strcmp(attname, "from_sql") == 0)
			att_sql = i + 1;
	}
	if (att_name == 0 || att_time == 0 || att_sql == 0)
		elog(ERROR, "pg_prepared_statement() lacks an expected column");

	slot = MakeSingleTupleTableSlot(rsinfo.setDesc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(rsinfo.setResult, true, false, slot))
	{
		bool		isnull;
		Datum		d;

		d = slot_getattr(slot, att_sql, &isnull);
		if (isnull || DatumGetBool(d))
			continue;
		d = slot_getattr(slot, att_time, &isnull);
		if (isnull || DatumGetTimestampTz(d) <= since)
			continue;
		d = slot_getattr(slot, att_name, &isnull);
		if (!isnull)
			result = lappend(result, TextDatumGetCString(d));
	}
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_end(rsinfo.setResult);
	return result;
}

/* does the prepared statement end a transaction (COMMIT, ROLLBACK, ...)? */
static bool
ends_transaction(CachedPlanSource *plansource)
{
	Node	   *stmt;

	if (plansource->raw_parse_tree == NULL)
		return false;
	stmt = plansource->raw_parse_tree->stmt;
	if (!IsA(stmt, TransactionStmt))
		return false;
	switch (((TransactionStmt *) stmt)->kind)
	{
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_ROLLBACK:
		case TRANS_STMT_ROLLBACK_TO:
		case TRANS_STMT_RELEASE:
		case TRANS_STMT_PREPARE:
		case TRANS_STMT_COMMIT_PREPARED:
		case TRANS_STMT_ROLLBACK_PREPARED:
			return true;
		default:
			return false;
	}
}

/*
 * The named protocol statements made since the last check, each recorded
 * once, with the driver its name tells (common/clients.c).  A pooler's own
 * statements (PgBouncer 1.21+ names them PGBOUNCER_N) are no hazard.
 * Returns the names enforcement may refuse: not those that end a
 * transaction (pgjdbc prepares COMMIT and ROLLBACK), which are recorded
 * but never refused, so that a connection can always end its transaction.
 */
static List *
check_protocol_statements(LocalTransactionId lxid, int flags)
{
	TimestampTz since;
	List	   *statements;
	List	   *refusable = NIL;
	ListCell   *lc;

	since = (named_parse_pending ||
			 (checked_lxid != InvalidLocalTransactionId && checked_lxid + 1 == lxid))
		? checked_until : GetCurrentTransactionStartTimestamp() - 1;
	named_parse_pending = false;
	if (lg_protocol_prepared == LG_PROTOCOL_PREPARED_SAFE)
		return NIL;
	statements = new_protocol_statements(since);
	foreach(lc, statements)
	{
		const char *name = (const char *) lfirst(lc);
		PreparedStatement *ps = FetchPreparedStatement(name, false);
		lg_client	client = lg_client_by_statement_name(name);
		bool		ends = ps != NULL && ends_transaction(ps->plansource);

		if (ps == NULL || client == LG_CLIENT_POOLER)
			continue;

		/*
		 * Under enforcement the parse hook refused (or warned of, and
		 * counted) the others as they were parsed; what reaches here is a
		 * statement it cannot see (an empty query is never analyzed), and
		 * the statements that end a transaction, which are never refused.
		 */
		if (!ends && lg_enforce != LG_ENFORCE_OFF &&
			lg_audit_hazard_reported(AUDIT_HAZARD_PROTOCOL_PREPARE))
			continue;
		lg_audit_hazard_ext(AUDIT_HAZARD_PROTOCOL_PREPARE, NULL, name, client,
							ps->plansource->query_string, -1, 0,
							flags | LG_AT_COMMIT | LG_RECORD_ONLY);
		if (!ends)
			refusable = lappend(refusable, (void *) name);
	}
	return refusable;
}

/*
 * XACT_EVENT_PRE_COMMIT and XACT_EVENT_PRE_PREPARE with enforcement off:
 * record the named protocol statements the transaction made.
 */
pg_noinline static void
record_check(void)
{
	LocalTransactionId lxid = LG_MY_LXID;

	if (lg_audit_active())
		(void) check_protocol_statements(lxid, 0);
	named_parse_pending = false;
	checked_until = GetCurrentTimestamp();
	checked_lxid = lxid;
}

/* XACT_EVENT_PRE_COMMIT and XACT_EVENT_PRE_PREPARE under enforcement */
pg_noinline static void
backstop_check(void)
{
	LocalTransactionId lxid = LG_MY_LXID;
	LgHeldLocks now = {0, 0, NULL};
	List	   *statements = NIL;
	Finding		found[3];
	int			nfound = 0;
	const char *object;
	ListCell   *lc;

	current_lxid = lxid;

	object = session_parameter_set();
	if (object != NULL)
		found[nfound++] = (Finding)
		{
			AUDIT_HAZARD_SET, object
		};

	lg_session_advisory_locks(&now);
	if (baseline_lxid == lxid)
	{
		object = release_added_locks(&now, false);
		if (object != NULL)
			found[nfound++] = (Finding)
			{
				AUDIT_HAZARD_ADVISORY_LOCK, object
			};
	}

	/*
	 * Named protocol statements: the ones the parse hook noted, and any a
	 * statement hook cannot see (an empty query is never analyzed), told
	 * by a plan source saved since the last check.  They are recorded as
	 * they are found; what is left is enforcement.
	 */
	if (named_parse_pending || plansource_saved_since_last_check())
		statements = check_protocol_statements(lxid, 0);

	if (nfound > 0 && lg_enforce == LG_ENFORCE_ERROR)
	{
		/* undo what the abort will not */
		if (baseline_lxid == lxid)
			(void) release_added_locks(&now, true);
		foreach(lc, statements)
			DropPreparedStatement((const char *) lfirst(lc), false);
		for (int i = 1; i < nfound; i++)
			lg_audit_hazard_ext(found[i].hazard, NULL, found[i].object,
								LG_CLIENT_UNKNOWN, debug_query_string, -1, 0,
								LG_AT_COMMIT | LG_RECORD_ONLY);
		/* raises the error */
		lg_audit_hazard_ext(found[0].hazard, NULL, found[0].object,
							LG_CLIENT_UNKNOWN, debug_query_string, -1, 0,
							LG_AT_COMMIT);
	}
	if (statements != NIL && lg_enforce == LG_ENFORCE_ERROR)
	{
		const char *first = (const char *) linitial(statements);
		lg_client	client = lg_client_by_statement_name(first);

		foreach(lc, statements)
			DropPreparedStatement((const char *) lfirst(lc), false);
		/* recorded above: raises the error */
		lg_audit_hazard_ext(AUDIT_HAZARD_PROTOCOL_PREPARE, NULL, first, client,
							NULL, -1, 0, LG_AT_COMMIT | LG_REPORT_ONLY);
	}
	for (int i = 0; i < nfound; i++)
	{
		if (!lg_audit_hazard_reported(found[i].hazard))
			lg_audit_hazard_ext(found[i].hazard, NULL, found[i].object,
								LG_CLIENT_UNKNOWN, debug_query_string, -1, 0,
								LG_AT_COMMIT);
	}
	foreach(lc, statements)
	{
		const char *name = (const char *) lfirst(lc);

		lg_audit_hazard_ext(AUDIT_HAZARD_PROTOCOL_PREPARE, NULL, name,
							lg_client_by_statement_name(name), NULL, -1, 0,
							LG_AT_COMMIT | LG_REPORT_ONLY);
	}

	/* the next transaction starts from here */
	set_baseline(&now, lxid + 1);
	checked_until = GetCurrentTimestamp();
	checked_lxid = lxid;
	if (now.items)
		pfree(now.items);
}

/*
 * XACT_EVENT_ABORT under enforce = error: session-level advisory locks
 * survive ROLLBACK, so release the ones this transaction added.  Only when
 * the statement hooks saw this transaction (current_lxid is only then
 * the baseline's): otherwise nothing is known about what it added.
 */
pg_noinline static void
backstop_abort(void)
{
	LgHeldLocks	now = {0, 0, NULL};

	if (current_lxid == InvalidLocalTransactionId ||
		baseline_lxid != current_lxid)
		return;
	lg_session_advisory_locks(&now);
	if (lg_enforce == LG_ENFORCE_ERROR)
	{
		(void) release_added_locks(&now, true);
		now.n = 0;
		lg_session_advisory_locks(&now);
	}
	set_baseline(&now, current_lxid + 1);
	/* statements this transaction prepared are left to the next check */
	checked_lxid = current_lxid;
	if (now.items)
		pfree(now.items);
}

static void
commit_xact_callback(XactEvent event, void *arg)
{
	if (likely(lg_enforce == LG_ENFORCE_OFF && !named_parse_pending))
		return;
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (lg_enforce == LG_ENFORCE_OFF)
				record_check();
			else
				backstop_check();
			break;
		case XACT_EVENT_ABORT:
			if (lg_enforce != LG_ENFORCE_OFF)
				backstop_abort();
			break;
		default:
			break;
	}
}

void
lg_audit_commit_note_named_parse(void)
{
	named_parse_pending = true;
}

/* from _PG_init */
void
lg_audit_commit_install(void)
{
	RegisterXactCallback(commit_xact_callback, NULL);
}
