/*-------------------------------------------------------------------------
 *
 * clients.h
 *	  The client drivers the transaction-pooling audit can tell apart from
 *	  what the server sees, and each one's fix: one table (clients.c) of
 *	  their names, the names they give prepared statements, their default
 *	  application_name, the statements they send when they connect, and the
 *	  option that makes them safe behind a transaction pooler.  The
 *	  extension records the client with each hazard and takes its hint from
 *	  here; docs/drivers.md describes the same drivers (a test compares).
 *
 * Plain C with no PostgreSQL dependency; constant data, no locking.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LIFEGUARD_CLIENTS_H
#define LIFEGUARD_CLIENTS_H

#include <stdbool.h>

#include "hazards.h"

/* a client as the audit records it; 0 is unknown */
typedef int lg_client;

#define LG_CLIENT_UNKNOWN	0

typedef struct lg_client_text
{
	const char *name;			/* the client column of pooling_audit */

	/*
	 * The names it gives the prepared statements it makes, as patterns
	 * (lg_client_name_matches): literal characters, and classes of one or
	 * more characters: '#' decimal digits, '%' lowercase hexadecimal
	 * digits, '*' lowercase letters and digits, '+' lowercase letters,
	 * digits and '_'; '~' stands for a whole name made of a random
	 * base-36 string and a decimal counter (9 or more lowercase letters and
	 * digits, at least one letter, ending in a digit).  The unused slots
	 * NULL; all NULL when it has no names of its own.
	 */
	const char *statement_names[3];

	/* the application_name it sends when the application sets none */
	const char *application_name;

	/*
	 * Its connect-time statements reach the server before the
	 * application's name does (it sets application_name with a statement
	 * after them, not in the startup packet), so behind a pooler they run
	 * under the name the connection's previous client left.
	 */
	bool		names_itself_late;

	/*
	 * Statements it sends on every new connection, as the server sees
	 * them (compared ignoring case, runs of white space and a final
	 * semicolon); the unused slots NULL.
	 */
	const char *connect_statements[4];

	/* what fixes each hazard it causes: NULL where the hazard's own hint does */
	const char *hint[AUDIT_NUM_HAZARDS];
} lg_client_text;

/*
 * Row 0 is the unknown client; row LG_CLIENT_POOLER is a pooler that
 * manages prepared statements itself (PgBouncer 1.21 and later with
 * max_prepared_statements): its statements are no hazard.
 */
#define LG_CLIENT_POOLER	1

extern const lg_client_text lg_client_texts[];
extern const int lg_num_clients;

/* Does name match pattern (see statement_names)? */
extern bool lg_client_name_matches(const char *pattern, const char *name);

/* The client that names prepared statements like this, or unknown. */
extern lg_client lg_client_by_statement_name(const char *name);

/*
 * The client whose connect-time statement this is (len bytes of text, or
 * to its NUL when len is 0), or unknown.
 */
extern lg_client lg_client_by_connect_statement(const char *text, int len);

/* The client whose default application_name this is, or unknown. */
extern lg_client lg_client_by_application_name(const char *name);

/* The client named name (as the client column shows it), or unknown. */
extern lg_client lg_client_by_name(const char *name);

/* The hint for hazard caused by client: its own, else the hazard's. */
extern const char *lg_client_hint(lg_client client, AuditHazard hazard);

#endif							/* LIFEGUARD_CLIENTS_H */
