/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  lifeguard's configuration parameters (lifeguard.*), whether the
 *	  library was preloaded, and which parameters' session-level SET is no
 *	  hazard (lifeguard.tracked_parameters and the fixed exemptions).
 *
 * The bottom layer of the extension: every other file may read these
 * variables, and this file calls none of them.  The variables are
 * backend-local, set by the GUC machinery; nothing here is shared.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "compat.h"
#include "hazards.h"
#include "settings.h"

bool		lg_preloaded = false;
bool		lg_audit_enabled = true;
int			lg_audit_max_entries = 1000;
bool		lg_stats_enabled = true;
int			lg_stats_max_entries = 1000;
bool		lg_stats_save = true;
int			lg_enforce = LG_ENFORCE_OFF;
int			lg_protocol_prepared = LG_PROTOCOL_PREPARED_HAZARD;

static const struct config_enum_entry enforce_options[] = {
	{"off", LG_ENFORCE_OFF, false},
	{"warn", LG_ENFORCE_WARN, false},
	{"error", LG_ENFORCE_ERROR, false},
	{NULL, 0, false}
};

static const struct config_enum_entry protocol_prepared_options[] = {
	{"hazard", LG_PROTOCOL_PREPARED_HAZARD, false},
	{"safe", LG_PROTOCOL_PREPARED_SAFE, false},
	{NULL, 0, false}
};

/*
 * lifeguard.tracked_parameters: the parameters the pooler tracks and
 * restores on every server connection it hands to a client, so a
 * session-level SET of them (the client's own, or the pooler's restoring
 * SET) is not a hazard.  The default is what every supported PgBouncer
 * (1.18 and later) tracks whatever its configuration; PgBouncer 1.20 and
 * later add track_extra_parameters (default IntervalStyle), which
 * operators match by adding those names here.  The default,
 * LG_TRACKED_PARAMETERS_DEFAULT, is in common/hazards.h.
 */
static char *tracked_parameters_string = NULL;

/* the parsed list: one flat block (the GUC machinery frees it) */
typedef struct TrackedList
{
	int			n;
	char	   *names[FLEXIBLE_ARRAY_MEMBER];	/* point into the same block */
} TrackedList;

static TrackedList *tracked = NULL;

static bool
tracked_parameters_check(char **newval, void **extra, GucSource source)
{
	char	   *raw = pstrdup(*newval);
	List	   *names;
	ListCell   *lc;
	Size		size;
	TrackedList *list;
	char	   *p;
	int			i = 0;

	if (!SplitIdentifierString(raw, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		GUC_check_errhint("Give a comma-separated list of parameter names, for example \"%s\".",
						  LG_TRACKED_PARAMETERS_DEFAULT);
		list_free(names);
		pfree(raw);
		return false;
	}
	size = offsetof(TrackedList, names) + sizeof(char *) * list_length(names);
	foreach(lc, names)
	{
		const char *name = (const char *) lfirst(lc);

		if (name[0] == '\0')
		{
			GUC_check_errdetail("A parameter name is empty.");
			list_free(names);
			pfree(raw);
			return false;
		}
		size += strlen(name) + 1;
	}
	/* extra is freed by the GUC machinery: allocated as it frees (compat.h) */
	list = (TrackedList *) lg_guc_extra_alloc(size);
	if (list == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errdetail("Out of memory.");
		list_free(names);
		pfree(raw);
		return false;
	}
	list->n = list_length(names);
	p = (char *) &list->names[list->n];
	foreach(lc, names)
	{
		const char *name = (const char *) lfirst(lc);

		strcpy(p, name);
		list->names[i++] = p;
		p += strlen(name) + 1;
	}
	list_free(names);
	pfree(raw);
	*extra = list;
	return true;
}

static void
tracked_parameters_assign(const char *newval, void *extra)
{
	tracked = (TrackedList *) extra;
}

void
lg_settings_define(bool preloading)
{
	lg_preloaded = preloading;

	DefineCustomBoolVariable("lifeguard.audit",
							 "Records statements that break under transaction pooling.",
							 "Needs lifeguard in shared_preload_libraries; see the view pooling_audit.",
							 &lg_audit_enabled,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	/* a postmaster setting can only be defined while preloading */
	if (preloading)
		DefineCustomIntVariable("lifeguard.audit_max_entries",
								"Maximum number of rows kept by the pooling audit.",
								"A row is one (database, role, application_name, hazard); "
								"new rows beyond this are counted as dropped.",
								&lg_audit_max_entries,
								1000,
								10,
								1000000,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);

	/* the connection statistics (pool_stats): all need preloading */
	if (preloading)
	{
		DefineCustomBoolVariable("lifeguard.stats",
								 "Collects connection statistics per database, role and application_name.",
								 "See the view pool_stats; off leaves out their shared memory and hooks.",
								 &lg_stats_enabled,
								 true,
								 PGC_POSTMASTER,
								 0,
								 NULL, NULL, NULL);
		DefineCustomIntVariable("lifeguard.stats_max_entries",
								"Maximum number of rows kept by pool_stats.",
								"A row is one (database, role, application_name); "
								"what new rows beyond this count goes to one overflow row.",
								&lg_stats_max_entries,
								1000,
								10,
								100000,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);
		DefineCustomBoolVariable("lifeguard.stats_save",
								 "Saves pool_stats across server shutdowns.",
								 "Written to pg_stat/lifeguard_pool_stats.stat at a clean shutdown and read at start.",
								 &lg_stats_save,
								 true,
								 PGC_SIGHUP,
								 0,
								 NULL, NULL, NULL);
	}

	DefineCustomEnumVariable("lifeguard.enforce",
							 "What to do with a statement that breaks under transaction pooling.",
							 "off: nothing; warn: raise a WARNING; error: refuse it with SQLSTATE 0A000.",
							 &lg_enforce,
							 LG_ENFORCE_OFF,
							 enforce_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("lifeguard.tracked_parameters",
							   "Parameters the pooler tracks and restores, whose session-level SET is not a hazard.",
							   "Match the pooler: PgBouncer's five built-in parameters plus its track_extra_parameters.",
							   &tracked_parameters_string,
							   LG_TRACKED_PARAMETERS_DEFAULT,
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   tracked_parameters_check,
							   tracked_parameters_assign,
							   NULL);

	DefineCustomEnumVariable("lifeguard.protocol_prepared_statements",
							 "Whether named prepared statements of the extended protocol are a hazard.",
							 "Set to safe behind PgBouncer 1.21 or later with max_prepared_statements > 0.",
							 &lg_protocol_prepared,
							 LG_PROTOCOL_PREPARED_HAZARD,
							 protocol_prepared_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

/*
 * Is this one of the parameters the pooler tracks
 * (lifeguard.tracked_parameters)?  Names compare as PostgreSQL compares
 * parameter names: case-insensitively.
 */
static bool
is_tracked_parameter(const char *name)
{
	if (tracked == NULL)
		return false;
	for (int i = 0; i < tracked->n; i++)
	{
		if (pg_strcasecmp(name, tracked->names[i]) == 0)
			return true;
	}
	return false;
}

/* parameters whose "session-level" SET lasts for one transaction only */
static bool
is_transaction_parameter(const char *name)
{
	return pg_strcasecmp(name, "transaction_isolation") == 0 ||
		pg_strcasecmp(name, "transaction_read_only") == 0 ||
		pg_strcasecmp(name, "transaction_deferrable") == 0;
}

/*
 * Parameters whose session-level SET is no hazard: those the pooler
 * tracks, those that last one transaction anyway, and lifeguard's own
 * (they configure the audit itself; a superuser must be able to change
 * them).
 */
bool
lg_parameter_is_exempt(const char *name)
{
	return pg_strncasecmp(name, "lifeguard.", 10) == 0 ||
		is_tracked_parameter(name) ||
		is_transaction_parameter(name);
}

void
lg_require_preload(const char *funcname)
{
	if (!lg_preloaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s() requires lifeguard to be loaded via shared_preload_libraries",
						funcname),
				 errhint("Add lifeguard to shared_preload_libraries in postgresql.conf and restart the server.")));
}
