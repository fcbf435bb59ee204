/*-------------------------------------------------------------------------
 *
 * audit_table.c
 *	  The bounded shared-memory table of the transaction-pooling audit:
 *	  recording an event, and the copy, totals and reset that
 *	  pooling_audit(), pooling_audit_info() and pooling_audit_reset()
 *	  (audit_sql.c) are made of.
 *
 * One entry per (database, session role, application, hazard, client), with
 * a count, the first and last time seen, and the first statement seen
 * (truncated to LG_AUDIT_SAMPLE_LEN bytes, in the recording database's
 * encoding; readers convert it with encoding.c).  The table holds at most
 * lifeguard.audit_max_entries entries; it never evicts, so no count is
 * ever lost: an event whose key is new while the table is full is counted
 * in the shared `dropped` counter instead, and one WARNING is logged until
 * the next reset.  The table exists only when lifeguard is preloaded
 * (shared_preload_libraries).  This file calls only settings.c.
 *
 * Locking rules
 *	- AuditShared->lock (a named LWLock tranche "lifeguard_audit") guards
 *	  the hash table's structure and the fields of AuditShared.
 *	- To count an event for an existing key: hold the lock SHARED, find the
 *	  entry, and update count/failures/last_seen under the entry's spinlock
 *	  (many backends may do this at once).
 *	- To insert a key, to bump `dropped`, and to reset: hold the lock
 *	  EXCLUSIVE.  An entry's key, first_seen and sample are written only at
 *	  insertion, so readers holding the lock SHARED may read them without
 *	  the spinlock.
 *	- Readers (lg_audit_table_rows, lg_audit_table_info) hold the lock
 *	  SHARED and read count/failures/last_seen under the entry's spinlock.
 *	- Nothing that can raise an error (no palloc, no ereport) runs while the
 *	  lock or a spinlock is held.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "mb/pg_wchar.h"
#include "parser/scansup.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "audit_table.h"
#include "compat.h"
#include "lg_extension.h"
#include "settings.h"

typedef struct AuditKey
{
	Oid			dbid;
	Oid			userid;			/* the session user */
	int32		hazard;			/* an AuditHazard */
	int32		client;			/* an lg_client */
	bool		appname_known;	/* false: appname is empty, unknown */
	char		appname[NAMEDATALEN];	/* the application that sent it */
} AuditKey;

typedef struct AuditEntry
{
	AuditKey	key;			/* hash key; must be first */
	slock_t		mutex;			/* protects count, failures and last_seen */
	int64		count;
	int64		failures;
	TimestampTz first_seen;
	TimestampTz last_seen;
	int32		sample_encoding;	/* the recording database's encoding */
	char		sample[LG_AUDIT_SAMPLE_LEN];	/* first statement, truncated */
} AuditEntry;

typedef struct AuditShared
{
	LWLock	   *lock;
	int64		dropped;		/* events of keys that did not fit */
	TimestampTz since;			/* startup or last reset */
	bool		full_warned;	/* WARNING about a full table logged */
} AuditShared;

static AuditShared *audit_shared = NULL;
static HTAB *audit_hash = NULL;

#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static Size
audit_memsize(void)
{
	return add_size(MAXALIGN(sizeof(AuditShared)),
					hash_estimate_size(lg_audit_max_entries, sizeof(AuditEntry)));
}

static void
audit_shmem_request(void)
{
#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(audit_memsize());
	RequestNamedLWLockTranche("lifeguard_audit", 1);
}

static void
audit_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);

	audit_shared = ShmemInitStruct("lifeguard pooling audit state",
								   sizeof(AuditShared), &found);
	if (!found)
	{
		audit_shared->lock = &(GetNamedLWLockTranche("lifeguard_audit"))->lock;
		audit_shared->dropped = 0;
		audit_shared->since = GetCurrentTimestamp();
		audit_shared->full_warned = false;
	}

	audit_hash = lg_shmem_hash("lifeguard pooling audit", lg_audit_max_entries,
							   sizeof(AuditKey), sizeof(AuditEntry));

	LWLockRelease(AddinShmemInitLock);
}

void
lg_audit_table_request(void)
{
#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = audit_shmem_request;
#else
	audit_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = audit_shmem_startup;
}

/*
 * The sample: the statement at source_text + location, len bytes (0: to
 * the end), leading white space skipped, clipped on a character boundary.
 */
static void
make_sample(char *dst, const char *source_text, int location, int len)
{
	const char *s;
	int			n;

	dst[0] = '\0';
	if (source_text == NULL)
		return;
	if (location < 0 || location > (int) strlen(source_text))
	{
		location = 0;
		len = 0;
	}
	s = source_text + location;
	n = (len > 0) ? len : (int) strlen(s);
	while (n > 0 && scanner_isspace(*s))
	{
		s++;
		n--;
	}
	while (n > 0 && (scanner_isspace(s[n - 1]) || s[n - 1] == ';'))
		n--;
	n = pg_mbcliplen(s, n, LG_AUDIT_SAMPLE_LEN - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/*
 * Count an event of key: one more hazard (failure false) or failure.  A new
 * key's sample is made by make_sample from the arguments.  A failure is
 * counted from inside the server's error report, so it never reports a
 * full table itself (the next hazard does).
 */
static void
count_event(AuditKey *key, bool failure, const char *source_text,
			int location, int len)
{
	/* no report from inside an error report (a failure is one) */
	bool		may_warn = !failure;
	AuditEntry *entry;
	TimestampTz now = GetCurrentTimestamp();
	bool		warn_full = false;
	char		sample[LG_AUDIT_SAMPLE_LEN];

	LWLockAcquire(audit_shared->lock, LW_SHARED);
	entry = (AuditEntry *) hash_search(audit_hash, key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		/* a new key: prepare the sample, then insert under the lock */
		LWLockRelease(audit_shared->lock);
		make_sample(sample, source_text, location, len);
		LWLockAcquire(audit_shared->lock, LW_EXCLUSIVE);

		entry = (AuditEntry *) hash_search(audit_hash, key, HASH_FIND, NULL);
		if (entry == NULL)
		{
			bool		found;

			if (hash_get_num_entries(audit_hash) < lg_audit_max_entries)
				entry = (AuditEntry *) hash_search(audit_hash, key,
												   HASH_ENTER_NULL, &found);
			if (entry == NULL)
			{
				audit_shared->dropped++;
				warn_full = may_warn && !audit_shared->full_warned;
				if (warn_full)
					audit_shared->full_warned = true;
				LWLockRelease(audit_shared->lock);
				if (warn_full)
					ereport(WARNING,
							(errmsg("lifeguard pooling audit is full: %d entries",
									lg_audit_max_entries),
							 errdetail("Hazards of new (database, role, application_name, hazard, client) keys are counted as dropped from now on."),
							 errhint("Increase lifeguard.audit_max_entries, or call pooling_audit_reset().")));
				return;
			}
			SpinLockInit(&entry->mutex);
			entry->count = 0;
			entry->failures = 0;
			entry->first_seen = now;
			entry->last_seen = now;
			entry->sample_encoding = GetDatabaseEncoding();
			strlcpy(entry->sample, sample, LG_AUDIT_SAMPLE_LEN);
		}
	}

	SpinLockAcquire(&entry->mutex);
	if (failure)
		entry->failures++;
	else
		entry->count++;
	if (now > entry->last_seen)
		entry->last_seen = now;
	SpinLockRelease(&entry->mutex);

	LWLockRelease(audit_shared->lock);
}

static void
make_key(AuditKey *key, AuditHazard hazard, lg_client client,
		 const char *appname)
{
	memset(key, 0, sizeof(*key));
	key->dbid = MyDatabaseId;
	key->userid = GetSessionUserId();
	key->hazard = (int32) hazard;
	key->client = (int32) client;
	key->appname_known = appname != NULL;
	if (appname)
		strlcpy(key->appname, appname, NAMEDATALEN);
}

void
lg_audit_table_record(AuditHazard hazard, lg_client client,
					  const char *appname, const char *source_text,
					  int location, int len)
{
	AuditKey	key;

	if (audit_shared == NULL || audit_hash == NULL)
		return;
	make_key(&key, hazard, client, appname);
	count_event(&key, false, source_text, location, len);
}

void
lg_audit_table_record_failure(AuditHazard cause, lg_client client,
							  const char *appname, const char *message)
{
	AuditKey	key;

	if (audit_shared == NULL || audit_hash == NULL)
		return;
	make_key(&key, cause, client, appname);
	count_event(&key, true, message, -1, 0);
}

static void
check_available(const char *funcname)
{
	lg_require_preload(funcname);
	if (audit_shared == NULL || audit_hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lifeguard pooling audit shared memory is not initialized")));
}

/*
 * The copy is sized by the entries there are, not by the table's capacity.
 * Entries are added only under the exclusive lock, so more may appear
 * between the two shared acquisitions; the copy stops at that size and
 * leaves those for the next call.
 */
LgAuditRow *
lg_audit_table_rows(const char *funcname, long *nrows)
{
	HASH_SEQ_STATUS hash_seq;
	AuditEntry *entry;
	LgAuditRow *rows;
	long		n = 0;
	long		maxrows;

	check_available(funcname);
	LWLockAcquire(audit_shared->lock, LW_SHARED);
	maxrows = hash_get_num_entries(audit_hash);
	LWLockRelease(audit_shared->lock);
	rows = (LgAuditRow *) palloc(sizeof(LgAuditRow) * Max(maxrows, 1));

	LWLockAcquire(audit_shared->lock, LW_SHARED);
	hash_seq_init(&hash_seq, audit_hash);
	while ((entry = hash_seq_search(&hash_seq)) != NULL)
	{
		LgAuditRow *r;

		if (n >= maxrows)
		{
			hash_seq_term(&hash_seq);
			break;
		}
		r = &rows[n++];
		r->dbid = entry->key.dbid;
		r->userid = entry->key.userid;
		r->hazard = (AuditHazard) entry->key.hazard;
		r->client = (lg_client) entry->key.client;
		r->appname_known = entry->key.appname_known;
		memcpy(r->appname, entry->key.appname, NAMEDATALEN);
		SpinLockAcquire(&entry->mutex);
		r->count = entry->count;
		r->failures = entry->failures;
		r->last_seen = entry->last_seen;
		SpinLockRelease(&entry->mutex);
		r->first_seen = entry->first_seen;
		r->sample_encoding = entry->sample_encoding;
		memcpy(r->sample, entry->sample, LG_AUDIT_SAMPLE_LEN);
	}
	LWLockRelease(audit_shared->lock);
	*nrows = n;
	return rows;
}

void
lg_audit_table_info(const char *funcname, long *entries, int64 *dropped,
					TimestampTz *since)
{
	check_available(funcname);
	LWLockAcquire(audit_shared->lock, LW_SHARED);
	*entries = hash_get_num_entries(audit_hash);
	*dropped = audit_shared->dropped;
	*since = audit_shared->since;
	LWLockRelease(audit_shared->lock);
}

/* forget every entry and the dropped count */
void
lg_audit_table_reset(const char *funcname)
{
	HASH_SEQ_STATUS hash_seq;
	AuditEntry *entry;

	check_available(funcname);
	LWLockAcquire(audit_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&hash_seq, audit_hash);
	while ((entry = hash_seq_search(&hash_seq)) != NULL)
		hash_search(audit_hash, &entry->key, HASH_REMOVE, NULL);
	audit_shared->dropped = 0;
	audit_shared->since = GetCurrentTimestamp();
	audit_shared->full_warned = false;
	LWLockRelease(audit_shared->lock);
}
