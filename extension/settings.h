/*-------------------------------------------------------------------------
 *
 * settings.h
 *	  lifeguard's configuration parameters, whether the library was
 *	  preloaded, and the parameter facts the audit's detectors share
 *	  (settings.c).  The bottom layer of the extension: it calls no other
 *	  file of it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_SETTINGS_H
#define LG_SETTINGS_H

/* lifeguard.enforce */
typedef enum LgEnforce
{
	LG_ENFORCE_OFF,
	LG_ENFORCE_WARN,
	LG_ENFORCE_ERROR
} LgEnforce;

/* lifeguard.protocol_prepared_statements */
typedef enum LgProtocolPrepared
{
	LG_PROTOCOL_PREPARED_HAZARD,
	LG_PROTOCOL_PREPARED_SAFE
} LgProtocolPrepared;

/* true when the library was loaded by shared_preload_libraries */
extern bool lg_preloaded;

/* lifeguard.audit, lifeguard.audit_max_entries */
extern bool lg_audit_enabled;
extern int	lg_audit_max_entries;

/*
 * lifeguard.stats, lifeguard.stats_max_entries, lifeguard.stats_save: the
 * connection statistics behind pool_stats (defined only when preloading)
 */
extern bool lg_stats_enabled;
extern int	lg_stats_max_entries;
extern bool lg_stats_save;

/* lifeguard.enforce (an LgEnforce) */
extern int	lg_enforce;

/* lifeguard.protocol_prepared_statements (an LgProtocolPrepared) */
extern int	lg_protocol_prepared;

/*
 * From _PG_init: define every setting (the postmaster-only ones only when
 * preloading, which is also what lg_preloaded records).
 */
extern void lg_settings_define(bool preloading);

/*
 * Is a session-level SET of this parameter no hazard?  Those the pooler
 * tracks (lifeguard.tracked_parameters), those that last one transaction
 * anyway, and lifeguard's own.
 */
extern bool lg_parameter_is_exempt(const char *name);

/*
 * Functions backed by shared memory call this first: without preloading
 * there is none (SQLSTATE 55000, with a hint).
 */
extern void lg_require_preload(const char *funcname);

#endif							/* LG_SETTINGS_H */
