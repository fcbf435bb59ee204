/*-------------------------------------------------------------------------
 *
 * hazards.c
 *	  The one table of transaction-pooling hazards (see hazards.h).  The
 *	  extension raises its messages and hints and lists its details; the
 *	  CLI prints the hints as each hazard's safe alternative.
 *
 * Constant data, no locking.
 *
 *-------------------------------------------------------------------------
 */
#include "hazards.h"

#include <string.h>

const lg_hazard_text lg_hazard_texts[AUDIT_NUM_HAZARDS] = {
	[AUDIT_HAZARD_SET] = {
		"set",
		"session-level SET of \"%s\" breaks under transaction pooling (lifeguard hazard \"set\")",
		"Use SET LOCAL or set_config(..., true) inside a transaction, or ALTER ROLE ... SET / ALTER DATABASE ... SET for a lasting default.",
		"set at session level%s; use SET LOCAL inside the transaction or ALTER ROLE ... SET"
	},
	[AUDIT_HAZARD_PREPARE] = {
		"prepare",
		"PREPARE of \"%s\" breaks under transaction pooling (lifeguard hazard \"prepare\")",
		"Run the statement directly or as an unnamed statement of the extended protocol; behind PgBouncer 1.21 or later, use protocol-level prepared statements with max_prepared_statements.",
		"SQL prepared statement; missing on the next transaction's connection: run the statement directly"
	},
	[AUDIT_HAZARD_PROTOCOL_PREPARE] = {
		"protocol_prepare",
		"named prepared statement breaks under transaction pooling (lifeguard hazard \"protocol_prepare\")",
		"Use unnamed statements (for example pgbench -M extended, or node-postgres queries without a name), or PgBouncer 1.21 or later with max_prepared_statements > 0 and lifeguard.protocol_prepared_statements = safe.",
		"named protocol-level prepared statement; missing on the next transaction's connection: use unnamed statements or PgBouncer max_prepared_statements"
	},
	[AUDIT_HAZARD_LISTEN] = {
		"listen",
		"LISTEN on channel \"%s\" breaks under transaction pooling (lifeguard hazard \"listen\")",
		"LISTEN on a direct, unpooled connection (DIRECT_URL).",
		"notifications reach whichever client holds this connection; LISTEN on a direct connection"
	},
	[AUDIT_HAZARD_ADVISORY_LOCK] = {
		"advisory_lock",
		"session-level advisory lock %s() breaks under transaction pooling (lifeguard hazard \"advisory_lock\")",
		"Use pg_advisory_xact_lock() or pg_try_advisory_xact_lock() inside a transaction.",
		"%s held at session level (%lld time%s); use pg_advisory_xact_lock() inside a transaction"
	},
	[AUDIT_HAZARD_TEMP_TABLE] = {
		"temp_table",
		"temporary %s outlives its transaction and breaks under transaction pooling (lifeguard hazard \"temp_table\")",
		"Create it inside a transaction with ON COMMIT DROP.",
		"temporary table outlives its transaction; create it with ON COMMIT DROP inside the transaction"
	},
	[AUDIT_HAZARD_WITH_HOLD_CURSOR] = {
		"with_hold_cursor",
		"cursor \"%s\" WITH HOLD breaks under transaction pooling (lifeguard hazard \"with_hold_cursor\")",
		"Declare the cursor without WITH HOLD and fetch from it inside one transaction.",
		"WITH HOLD cursor outlives its transaction; fetch inside one transaction without WITH HOLD"
	},
	[AUDIT_HAZARD_LOAD] = {
		"load",
		"LOAD of \"%s\" breaks under transaction pooling (lifeguard hazard \"load\")",
		"Load the library for every session with session_preload_libraries or shared_preload_libraries.",
		NULL					/* a loaded library is no state the session can list */
	},
};

const char *const lg_temp_object_hint =
"Drop it before the transaction that created it ends.";

const char *const lg_temp_object_state_detail =
"temporary %s outlives its transaction; drop it before the transaction that created it ends";

const lg_hazard_text *
lg_hazard_by_name(const char *name)
{
	for (int i = 0; i < AUDIT_NUM_HAZARDS; i++)
	{
		if (strcmp(name, lg_hazard_texts[i].name) == 0)
			return &lg_hazard_texts[i];
	}
	return NULL;
}
