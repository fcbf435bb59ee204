/*-------------------------------------------------------------------------
 *
 * audit_statements.c
 *	  The statement detectors of the transaction-pooling audit: hooks that
 *	  detect each hazardous statement as it happens and hand it to
 *	  lg_audit_hazard(), and count the top-level statements of the
 *	  transaction for txn_info().
 *
 * Where each hazard is detected, and so when it is counted:
 *
 *	- ProcessUtility_hook, once per execution of the utility statement, at
 *	  any nesting level, before it runs (so a statement refused by
 *	  lifeguard.enforce = error is counted too): session-level SET / RESET
 *	  (not SET LOCAL, not SET TRANSACTION, not the parameters of
 *	  lifeguard.tracked_parameters), SET ROLE, SET SESSION
 *	  AUTHORIZATION, SET SESSION CHARACTERISTICS (all "set"); PREPARE
 *	  ("prepare"); LISTEN ("listen"); DECLARE ... WITH HOLD
 *	  ("with_hold_cursor"); CREATE TEMP TABLE and CREATE TEMP TABLE AS /
 *	  SELECT INTO TEMP without ON COMMIT DROP ("temp_table"); LOAD ("load").
 *
 *	- ProcessUtility_hook again, after the statement ran: any other
 *	  temporary object it created ("temp_table", once per statement, with
 *	  the kind of object in the message), as object_access_hook
 *	  (OAT_POST_CREATE) noted them: tables created without the TEMP keyword
 *	  through a search_path starting with pg_temp or a pg_temp_N name
 *	  (also by SELECT INTO and CREATE TABLE AS), temporary views,
 *	  sequences, types and functions.  A refusal then aborts the statement,
 *	  which takes the object away again.
 *
 *	- post_parse_analyze_hook, once per parse analysis of a statement:
 *	  calls of the builtins set_config(..., false) ("set") and
 *	  pg_advisory_lock*, pg_try_advisory_lock* ("advisory_lock").  Builtin
 *	  functions bypass fmgr hooks, so the analyzed Query is searched for
 *	  those FuncExprs (only when the statement's text names one of them, a
 *	  cheap scan).  A statement sent as simple Query is analyzed on each
 *	  execution; a prepared statement, or a statement inside a PL/pgSQL
 *	  function, once when it is prepared.
 *
 *	- post_parse_analyze_hook, once per Parse message: a named prepared
 *	  statement of the extended protocol ("protocol_prepare"), noted here,
 *	  recorded with its name when its transaction ends (audit_commit.c),
 *	  refused here under enforcement.  PostgreSQL
 *	  analyzes a named statement in MessageContext, an unnamed one in its
 *	  own child context, and only Parse and SQL PREPARE analyze with
 *	  variable parameter types (p_coerce_param_hook set); SQL PREPARE runs
 *	  in its portal's context, never in MessageContext.
 *
 * What no statement names (a call in a column DEFAULT, a policy, a domain
 * CHECK, a rule, an operator, an aggregate, an argument's DEFAULT, a
 * BEGIN ATOMIC body, or an empty named protocol statement) is found at
 * commit by audit_commit.c under lifeguard.enforce; every statement hook
 * here first calls lg_audit_commit_statement() for it (one test when
 * enforcement is off).
 *
 * The hot path: with no hazardous calls, a statement costs the parse hook
 * a pointer comparison and a scan of its text for "advisory" and
 * "set_config" (only when a statement is analyzed, not when a prepared
 * statement runs again), and the planner and executor hooks an increment
 * and a decrement of nesting_level.
 *
 * State: nesting_level, the temporary objects noted in this transaction
 * and the count of its top-level statements are backend-local; nothing
 * here is shared.  This file calls settings.c, session_state.c,
 * audit_hazard.c, audit_commit.c and common/audit_prefilter.c; only
 * audit_sql.c (txn_info) and _PG_init call it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "audit_commit.h"
#include "audit_hazard.h"
#include "audit_prefilter.h"
#include "audit_statements.h"
#include "compat.h"
#include "session_state.h"
#include "settings.h"

static post_parse_analyze_hook_type prev_post_parse_analyze_hook = NULL;
static planner_hook_type prev_planner_hook = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static object_access_hook_type prev_object_access_hook = NULL;

/* depth of planner, executor and utility calls; 0 means top level */
static int	nesting_level = 0;

/*
 * Depth of utility statements that analyze a query without running it
 * (CREATE VIEW, CREATE RULE, CREATE FUNCTION's body validation): a call
 * in such a query is not made now, so it is neither recorded nor refused.
 */
static int	analyze_only_level = 0;

/* a temporary object created in this transaction (audit_note_creation) */
typedef struct AuditTempObject
{
	Oid			classId;		/* pg_class, pg_type or pg_proc */
	Oid			objectId;
	char		kind;			/* relkind, typtype or prokind */
	NameData	name;
} AuditTempObject;

/* the temporary objects noted in transaction temp_created_lxid */
static List *temp_created = NIL;
static LocalTransactionId temp_created_lxid = InvalidLocalTransactionId;

/* the top-level statements of transaction counted_lxid */
static LocalTransactionId counted_lxid = InvalidLocalTransactionId;
static int	counted_statements = 0;

/* what the walk over a Query found */
typedef struct AuditCallState
{
	Oid			advisory_funcid;	/* a session-level advisory lock call */
	char	   *set_name;		/* a session-level set_config call */
} AuditCallState;

/*
 * set_config(name, value, is_local): a hazard unless is_local is the
 * constant true, or the parameter is exempt (lg_parameter_is_exempt:
 * tracked by PgBouncer, transaction-scoped, or lifeguard's own).  A
 * non-constant is_local is taken as a
 * hazard: it cannot be shown safe before the statement runs.
 */
static void
audit_check_set_config(FuncExpr *func, AuditCallState *state)
{
	Node	   *name_arg;
	Node	   *local_arg;
	char	   *name = NULL;

	if (list_length(func->args) != 3)
		return;
	name_arg = linitial(func->args);
	local_arg = lthird(func->args);

	if (IsA(local_arg, Const) && !((Const *) local_arg)->constisnull &&
		DatumGetBool(((Const *) local_arg)->constvalue))
		return;

	if (IsA(name_arg, Const) && !((Const *) name_arg)->constisnull)
	{
		name = TextDatumGetCString(((Const *) name_arg)->constvalue);
		if (lg_parameter_is_exempt(name))
			return;
	}
	if (state->set_name == NULL)
		state->set_name = name ? name : pstrdup("(expression)");
}

static bool
audit_call_walker(Node *node, AuditCallState *state)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *func = (FuncExpr *) node;

		switch (func->funcid)
		{
			case F_PG_ADVISORY_LOCK_INT8:
			case F_PG_ADVISORY_LOCK_INT4_INT4:
			case F_PG_ADVISORY_LOCK_SHARED_INT8:
			case F_PG_ADVISORY_LOCK_SHARED_INT4_INT4:
			case F_PG_TRY_ADVISORY_LOCK_INT8:
			case F_PG_TRY_ADVISORY_LOCK_INT4_INT4:
			case F_PG_TRY_ADVISORY_LOCK_SHARED_INT8:
			case F_PG_TRY_ADVISORY_LOCK_SHARED_INT4_INT4:
				if (!OidIsValid(state->advisory_funcid))
					state->advisory_funcid = func->funcid;
				break;
			case F_SET_CONFIG:
				audit_check_set_config(func, state);
				break;
			default:
				break;
		}
		/* fall through to the arguments */
	}
	else if (IsA(node, Query))
		return query_tree_walker((Query *) node, audit_call_walker,
								 (void *) state, 0);
	return expression_tree_walker(node, audit_call_walker, (void *) state);
}

/* one more top-level statement in the current transaction */
static void
count_statement(void)
{
	if (MyProc == NULL)
		return;
	if (counted_lxid != LG_MY_LXID)
	{
		counted_lxid = LG_MY_LXID;
		counted_statements = 0;
	}
	counted_statements++;
}


int
lg_statements_in_transaction(void)
{
	return counted_lxid == LG_MY_LXID ? counted_statements : 0;
}

static void
audit_post_parse_analyze(ParseState *pstate, Query *query,
						 JumbleState *jstate)
{
	AuditCallState state = {InvalidOid, NULL};
	Node	   *walk = (Node *) query;

	if (prev_post_parse_analyze_hook)
		prev_post_parse_analyze_hook(pstate, query, jstate);

	lg_audit_commit_statement();
	if (!lg_audit_active())
		return;

	/*
	 * A named prepared statement of the extended protocol (see above).
	 * audit_commit.c records it, with its name (which tells the driver, or
	 * PgBouncer's own statements), when the transaction ends.  Under
	 * enforcement it is refused here, at its Parse, before it exists (the
	 * name is not known yet): a driver then never believes it prepared
	 * it.  A statement that ends a transaction is never refused.
	 */
	if (CurrentMemoryContext == MessageContext &&
		pstate->p_coerce_param_hook != NULL)
	{
		if (lg_enforce != LG_ENFORCE_OFF &&
			lg_protocol_prepared == LG_PROTOCOL_PREPARED_HAZARD &&
			!(query->commandType == CMD_UTILITY && query->utilityStmt != NULL &&
			  IsA(query->utilityStmt, TransactionStmt)))
			lg_audit_hazard(AUDIT_HAZARD_PROTOCOL_PREPARE, NULL,
							pstate->p_sourcetext, query->stmt_location,
							query->stmt_len, 0);
		else
			lg_audit_commit_note_named_parse();
	}

	/* utility statements that run an analyzed query */
	if (query->commandType == CMD_UTILITY)
	{
		Node	   *utility = query->utilityStmt;

		walk = NULL;
		if (utility == NULL)
			return;
		if (IsA(utility, DeclareCursorStmt))
			walk = ((DeclareCursorStmt *) utility)->query;
		else if (IsA(utility, CreateTableAsStmt))
			walk = ((CreateTableAsStmt *) utility)->query;
		if (walk == NULL || !IsA(walk, Query))
			return;
	}

	/* a view's or function's query is stored, not run (see above) */
	if (analyze_only_level > 0)
		return;
	if (!lg_audit_text_may_call(pstate->p_sourcetext, query->stmt_location,
							 query->stmt_len))
		return;
	(void) audit_call_walker(walk, &state);

	if (OidIsValid(state.advisory_funcid))
	{
		char	   *fname = get_func_name(state.advisory_funcid);

		lg_audit_hazard(AUDIT_HAZARD_ADVISORY_LOCK, fname ? fname : "pg_advisory_lock",
						pstate->p_sourcetext, query->stmt_location, query->stmt_len,
						0);
	}
	if (state.set_name != NULL)
		lg_audit_hazard(AUDIT_HAZARD_SET, state.set_name,
						pstate->p_sourcetext, query->stmt_location, query->stmt_len,
						0);
}

/*
 * Planning may run queries (constant-folding a function that runs SQL):
 * they are nested, not top-level statements.
 */
static PlannedStmt *
audit_planner(Query *parse, const char *query_string, int cursorOptions,
			  ParamListInfo boundParams)
{
	PlannedStmt *result;

	nesting_level++;
	PG_TRY();
	{
		if (prev_planner_hook)
			result = prev_planner_hook(parse, query_string, cursorOptions,
									   boundParams);
		else
			result = standard_planner(parse, query_string, cursorOptions,
									  boundParams);
	}
	PG_FINALLY();
	{
		nesting_level--;
	}
	PG_END_TRY();
	return result;
}

static void
audit_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	lg_audit_commit_statement();
	if (nesting_level == 0)
		count_statement();
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

static void
audit_ExecutorRun(LG_EXECUTOR_RUN_PARAMS)
{
	nesting_level++;
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(LG_EXECUTOR_RUN_ARGS);
		else
			standard_ExecutorRun(LG_EXECUTOR_RUN_ARGS);
	}
	PG_FINALLY();
	{
		nesting_level--;
	}
	PG_END_TRY();
}

static void
audit_ExecutorFinish(QueryDesc *queryDesc)
{
	nesting_level++;
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		nesting_level--;
	}
	PG_END_TRY();
}

/* is this RangeVar a temporary relation? */
static bool
audit_rangevar_is_temp(RangeVar *rel)
{
	if (rel == NULL)
		return false;
	if (rel->relpersistence == RELPERSISTENCE_TEMP)
		return true;
	return rel->schemaname != NULL && strcmp(rel->schemaname, "pg_temp") == 0;
}

/*
 * The hazard of a utility statement, or -1.  *object names what it
 * touches; *drop_at_commit is set for an ON COMMIT DROP temporary table;
 * *set_after names the parameter of a session-level SET or RESET, which
 * is a hazard when, after it ran, the parameter's value differs from the
 * one the session started with.
 */
static int
audit_classify_utility(Node *parsetree, const char **object,
					   RangeVar **drop_at_commit, const char **set_after)
{
	*object = NULL;
	*drop_at_commit = NULL;
	*set_after = NULL;

	switch (nodeTag(parsetree))
	{
		case T_VariableSetStmt:
			{
				VariableSetStmt *stmt = (VariableSetStmt *) parsetree;

				if (stmt->is_local)
					return -1;
				switch (stmt->kind)
				{
					case VAR_SET_MULTI:
						/* SET TRANSACTION ... lasts for the transaction */
						if (strcmp(stmt->name, "SESSION CHARACTERISTICS") != 0)
							return -1;
						*object = "SESSION CHARACTERISTICS";
						return AUDIT_HAZARD_SET;
					case VAR_RESET_ALL:
						/* back to how the session started: nothing left */
						return -1;
					default:
						if (stmt->name == NULL || lg_parameter_is_exempt(stmt->name))
							return -1;

						/*
						 * A change of identity: refused before it runs, so
						 * that it is counted under the identity that made
						 * it; going back (RESET, DEFAULT) is no hazard.
						 */
						if (pg_strcasecmp(stmt->name, "role") == 0 ||
							pg_strcasecmp(stmt->name, "session_authorization") == 0)
						{
							if (stmt->kind != VAR_SET_VALUE)
								return -1;
							*object = stmt->name;
							return AUDIT_HAZARD_SET;
						}

						/*
						 * Whether the value that stays differs from the
						 * session's starting one is known after it ran.
						 */
						*set_after = stmt->name;
						return -1;
				}
			}
		case T_PrepareStmt:
			*object = ((PrepareStmt *) parsetree)->name;
			return AUDIT_HAZARD_PREPARE;
		case T_ListenStmt:
			*object = ((ListenStmt *) parsetree)->conditionname;
			return AUDIT_HAZARD_LISTEN;
		case T_DeclareCursorStmt:
			{
				DeclareCursorStmt *stmt = (DeclareCursorStmt *) parsetree;

				if ((stmt->options & CURSOR_OPT_HOLD) == 0)
					return -1;
				*object = stmt->portalname;
				return AUDIT_HAZARD_WITH_HOLD_CURSOR;
			}
		case T_CreateStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				/* only a temporary table can have ON COMMIT DROP */
				if (stmt->oncommit == ONCOMMIT_DROP)
				{
					*drop_at_commit = stmt->relation;
					return -1;
				}
				if (!audit_rangevar_is_temp(stmt->relation))
					return -1;
				*object = stmt->relation->relname;
				return AUDIT_HAZARD_TEMP_TABLE;
			}
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *stmt = (CreateTableAsStmt *) parsetree;

				if (stmt->into == NULL)
					return -1;
				if (stmt->into->onCommit == ONCOMMIT_DROP)
				{
					*drop_at_commit = stmt->into->rel;
					return -1;
				}
				if (!audit_rangevar_is_temp(stmt->into->rel))
					return -1;
				*object = stmt->into->rel->relname;
				return AUDIT_HAZARD_TEMP_TABLE;
			}
		case T_LoadStmt:
			*object = ((LoadStmt *) parsetree)->filename;
			return AUDIT_HAZARD_LOAD;
		case T_ExplainStmt:
			{
				/* EXPLAIN ANALYZE runs CREATE TABLE AS, and so creates it */
				ExplainStmt *stmt = (ExplainStmt *) parsetree;
				Query	   *q = (Query *) stmt->query;
				bool		analyze = false;
				ListCell   *lc;

				foreach(lc, stmt->options)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "analyze") == 0)
						analyze = defGetBoolean(opt);
				}
				if (analyze && q != NULL && IsA(q, Query) &&
					q->commandType == CMD_UTILITY && q->utilityStmt != NULL &&
					IsA(q->utilityStmt, CreateTableAsStmt))
					return audit_classify_utility(q->utilityStmt, object,
												  drop_at_commit, set_after);
				return -1;
			}
		default:
			return -1;
	}
}

/*
 * A temporary object was created (object_access_hook, OAT_POST_CREATE):
 * note it, so that the utility statement that made it can report it.
 * This sees every way of creating one: the TEMP keyword, a search_path
 * that starts with pg_temp, a pg_temp or pg_temp_N qualified name, SELECT
 * INTO and CREATE TABLE AS, views, sequences, types and functions.  The
 * new catalog row is not visible to catalog snapshots yet (no command
 * counter increment since), so it is read with SnapshotSelf.
 */
static void
audit_note_creation(Oid classId, Oid objectId)
{
	Oid			indexId;
	AttrNumber	oidcol;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char		kind = '\0';
	const char *name = NULL;

	if (classId == RelationRelationId)
	{
		indexId = ClassOidIndexId;
		oidcol = Anum_pg_class_oid;
	}
	else if (classId == TypeRelationId)
	{
		indexId = TypeOidIndexId;
		oidcol = Anum_pg_type_oid;
	}
	else if (classId == ProcedureRelationId)
	{
		indexId = ProcedureOidIndexId;
		oidcol = Anum_pg_proc_oid;
	}
	else
		return;

	ScanKeyInit(&key, oidcol, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(objectId));
	rel = table_open(classId, AccessShareLock);
	scan = systable_beginscan(rel, indexId, true, SnapshotSelf, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup) && lg_temp_object_from_tuple(classId, tup, &kind, &name))
	{
		MemoryContext oldcontext = MemoryContextSwitchTo(TopMemoryContext);
		AuditTempObject *obj = palloc(sizeof(AuditTempObject));

		obj->classId = classId;
		obj->objectId = objectId;
		obj->kind = kind;
		strlcpy(NameStr(obj->name), name, NAMEDATALEN);
		if (temp_created_lxid != LG_MY_LXID)
		{
			list_free_deep(temp_created);
			temp_created = NIL;
			temp_created_lxid = LG_MY_LXID;
		}
		temp_created = lappend(temp_created, obj);
		MemoryContextSwitchTo(oldcontext);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

static void
audit_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);

	if (access != OAT_POST_CREATE || subId != 0 || !lg_audit_active())
		return;
	/* the server's own objects: a table rewrite's transient heap */
	if (arg != NULL && ((ObjectAccessPostCreate *) arg)->is_internal)
		return;
	audit_note_creation(classId, objectId);
}

/* how many temporary objects are noted in this transaction */
static int
audit_temp_created_mark(void)
{
	if (temp_created_lxid != LG_MY_LXID)
		return 0;
	return list_length(temp_created);
}

/*
 * After a utility statement: the temporary objects it created (those noted
 * after mark).  The tables of an ON COMMIT DROP statement are remembered
 * as such; anything else is one temp_table hazard for the statement,
 * unless the statement was already reported as one before it ran (CREATE
 * TEMP TABLE).  The notes are dropped first: reporting may raise an error.
 */
static void
audit_temp_created_report(int mark, bool reported, bool on_commit_drop,
						  PlannedStmt *pstmt, const char *queryString)
{
	Oid			classId = InvalidOid;
	char		kind = '\0';
	NameData	name;
	ListCell   *lc;

	if (temp_created_lxid != LG_MY_LXID || list_length(temp_created) <= mark)
		return;
	for_each_from(lc, temp_created, mark)
	{
		AuditTempObject *obj = (AuditTempObject *) lfirst(lc);

		if (obj->classId == RelationRelationId && on_commit_drop &&
			(obj->kind == RELKIND_RELATION ||
			 obj->kind == RELKIND_PARTITIONED_TABLE))
			lg_note_drop_at_commit(obj->objectId);
		else if (obj->classId == RelationRelationId &&
				 obj->kind == RELKIND_SEQUENCE &&
				 lg_sequence_is_owned(obj->objectId))
			;					/* part of its table */
		else if (!OidIsValid(classId))
		{
			classId = obj->classId;
			kind = obj->kind;
			name = obj->name;
		}
		pfree(obj);
	}
	temp_created = list_truncate(temp_created, mark);

	if (OidIsValid(classId) && !reported)
		lg_audit_hazard_ext(AUDIT_HAZARD_TEMP_TABLE,
							lg_temp_object_kind(classId, kind), NameStr(name),
							LG_CLIENT_UNKNOWN, queryString,
							pstmt->stmt_location, pstmt->stmt_len,
							0);
}

/*
 * Attribution (audit_hazard.h): a statement that clears application_name
 * holds the current one for the rest of its client message; one that sets
 * it lets go.
 */
static void
audit_attribute(Node *parsetree)
{
	if (IsA(parsetree, VariableSetStmt))
	{
		VariableSetStmt *stmt = (VariableSetStmt *) parsetree;

		if (stmt->kind == VAR_RESET_ALL)
			lg_audit_hold_application_name();
		else if (stmt->name != NULL &&
				 pg_strcasecmp(stmt->name, "application_name") == 0)
		{
			if (stmt->kind == VAR_SET_VALUE)
				lg_audit_release_application_name();
			else
				lg_audit_hold_application_name();
		}
	}
	else if (IsA(parsetree, DiscardStmt) &&
			 ((DiscardStmt *) parsetree)->target == DISCARD_ALL)
		lg_audit_hold_application_name();
}

static void
audit_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree,
					 ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest,
					 QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	RangeVar   *drop_at_commit = NULL;
	const char *set_after = NULL;
	bool		analyze_only = IsA(parsetree, ViewStmt) ||
		IsA(parsetree, RuleStmt) || IsA(parsetree, CreateFunctionStmt);
	bool		active = lg_audit_active();
	int			hazard = -1;
	int			temp_mark = 0;

	lg_audit_commit_statement();
	if (nesting_level == 0 && !IsA(parsetree, TransactionStmt))
		count_statement();

	if (active)
	{
		const char *object;

		temp_mark = audit_temp_created_mark();
		hazard = audit_classify_utility(parsetree, &object, &drop_at_commit,
										&set_after);
		if (hazard >= 0)
			lg_audit_hazard((AuditHazard) hazard, object, queryString,
							pstmt->stmt_location, pstmt->stmt_len,
							0);
		audit_attribute(parsetree);
	}

	nesting_level++;
	if (analyze_only)
		analyze_only_level++;
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString,
								readOnlyTree,
								context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString,
									readOnlyTree,
									context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		nesting_level--;
		if (analyze_only)
			analyze_only_level--;
	}
	PG_END_TRY();

	/* a SET or RESET that leaves a value other than the starting one */
	if (set_after != NULL)
	{
		struct config_generic *conf = lg_find_guc(set_after);

		if (conf == NULL || lg_guc_differs_from_reset(conf))
			lg_audit_hazard(AUDIT_HAZARD_SET, set_after, queryString,
							pstmt->stmt_location, pstmt->stmt_len,
							0);
	}

	/*
	 * A subcommand (CREATE TABLE's sequence for a serial column) leaves its
	 * notes to the statement, which sees the whole result (the sequence
	 * owned by its table).
	 */
	if (active && context != PROCESS_UTILITY_SUBCOMMAND)
		audit_temp_created_report(temp_mark,
								  hazard == AUDIT_HAZARD_TEMP_TABLE,
								  drop_at_commit != NULL, pstmt, queryString);
}

/*
 * Install the hooks (from _PG_init, preloaded or not: enforcement works in
 * any session that has loaded lifeguard; recording needs preloading).
 */
void
lg_audit_statements_install(void)
{
	prev_post_parse_analyze_hook = post_parse_analyze_hook;
	post_parse_analyze_hook = audit_post_parse_analyze;
	prev_planner_hook = planner_hook;
	planner_hook = audit_planner;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = audit_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = audit_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = audit_ExecutorFinish;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = audit_ProcessUtility;
	prev_object_access_hook = object_access_hook;
	object_access_hook = audit_object_access;
}
