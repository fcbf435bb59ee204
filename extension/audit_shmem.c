/*-------------------------------------------------------------------------
 *
 * audit_shmem.c
 *	  The bounded shared-memory table of the transaction-pooling audit, and
 *	  the SQL functions that read and reset it: pooling_audit(),
 *	  pooling_audit_info(), pooling_audit_reset().
 *
 * One entry per (database, session role, application_name, hazard), with
 * a count, the first and last time seen, and the first statement seen
 * (truncated to AUDIT_SAMPLE_LEN bytes, in the recording database's
 * encoding, converted for each reader: see audit_sample_for_reader).  The table holds at most
 * lifeguard.audit_max_entries entries; it never evicts, so no count is
 * ever lost: an event whose key is new while the table is full is counted
 * in the shared `dropped` counter instead, and one WARNING is logged until
 * the next reset.  The table exists only when lifeguard is preloaded
 * (shared_preload_libraries).
 *
 * Locking rules
 *	- AuditShared->lock (a named LWLock tranche "lifeguard_audit") guards
 *	  the hash table's structure and the fields of AuditShared.
 *	- To count an event for an existing key: hold the lock SHARED, find the
 *	  entry, and update count/last_seen under the entry's spinlock (many
 *	  backends may do this at once).
 *	- To insert a key, to bump `dropped`, and to reset: hold the lock
 *	  EXCLUSIVE.  An entry's key, first_seen and sample are written only at
 *	  insertion, so readers holding the lock SHARED may read them without
 *	  the spinlock.
 *	- Readers (pooling_audit, pooling_audit_info) hold the lock SHARED and
 *	  read count/last_seen under the entry's spinlock.
 *	- Nothing that can raise an error (no palloc, no ereport) runs while the
 *	  lock or a spinlock is held.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "parser/scansup.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "compat.h"
#include "lg_extension.h"

typedef struct AuditKey
{
	Oid			dbid;
	Oid			userid;			/* the session user */
	int32		hazard;			/* an AuditHazard */
	char		appname[NAMEDATALEN];	/* application_name at the event */
} AuditKey;

typedef struct AuditEntry
{
	AuditKey	key;			/* hash key; must be first */
	slock_t		mutex;			/* protects count and last_seen */
	int64		count;
	TimestampTz first_seen;
	TimestampTz last_seen;
	int32		sample_encoding;	/* the recording database's encoding */
	char		sample[AUDIT_SAMPLE_LEN];	/* first statement, truncated */
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

PG_FUNCTION_INFO_V1(lifeguard_pooling_audit);
PG_FUNCTION_INFO_V1(lifeguard_pooling_audit_info);
PG_FUNCTION_INFO_V1(lifeguard_pooling_audit_reset);

static Size
audit_memsize(void)
{
	return add_size(MAXALIGN(sizeof(AuditShared)),
					hash_estimate_size(audit_max_entries, sizeof(AuditEntry)));
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
	HASHCTL		info;

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

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(AuditKey);
	info.entrysize = sizeof(AuditEntry);
	audit_hash = ShmemInitHash("lifeguard pooling audit",
							   audit_max_entries, audit_max_entries,
							   &info, HASH_ELEM | HASH_BLOBS);

	LWLockRelease(AddinShmemInitLock);
}

/*
 * Called from _PG_init when preloading: ask for the shared memory and
 * install the hooks that create it.
 */
void
audit_shmem_init(void)
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
audit_make_sample(char *dst, const char *source_text, int location, int len)
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
	n = pg_mbcliplen(s, n, AUDIT_SAMPLE_LEN - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/*
 * \xNN for each byte of the character at s (len bytes left) in encoding
 * enc; returns the bytes consumed.
 */
static int
audit_escape_char(StringInfo out, const char *s, int len, int enc)
{
	int			n = Min(pg_encoding_mblen(enc, s), len);

	for (int i = 0; i < n; i++)
		appendStringInfo(out, "\\x%02x", (unsigned char) s[i]);
	return n;
}

/*
 * s (of encoding src_enc) as text of encoding dst_enc, never failing: a
 * character without an equivalent in dst_enc, or, from SQL_ASCII (whose
 * bytes have no known encoding), a byte not valid in dst_enc, becomes \xNN
 * per byte.  To SQL_ASCII, and between equal encodings, s is returned
 * as it is.  PostgreSQL 14's noError conversion stops at the first
 * character it cannot convert instead of raising.
 */
static char *
audit_convert(const char *s, int src_enc, int dst_enc)
{
	int			len = (int) strlen(s);
	StringInfoData out;
	Oid			proc;

	if (src_enc == dst_enc || dst_enc == PG_SQL_ASCII)
		return pstrdup(s);
	initStringInfo(&out);
	proc = (src_enc == PG_SQL_ASCII) ? InvalidOid
		: FindDefaultConversionProc(src_enc, dst_enc);
	if (!OidIsValid(proc))
	{
		/* keep what is valid in dst_enc (ASCII at least), escape the rest */
		while (len > 0)
		{
			int			n = IS_HIGHBIT_SET(*s) ? -1 : 1;

			if (n < 0 && src_enc == PG_SQL_ASCII)
				n = pg_encoding_verifymbchar(dst_enc, s, len);
			if (n > 0)
				appendBinaryStringInfo(&out, s, n);
			else
				n = audit_escape_char(&out, s, len, src_enc);
			s += n;
			len -= n;
		}
	}
	else
	{
		int			bufsize = len * MAX_CONVERSION_GROWTH + 1;
		unsigned char *buf = palloc(bufsize);

		while (len > 0)
		{
			int			done = pg_do_encoding_conversion_buf(proc, src_enc, dst_enc,
															 (unsigned char *) s, len,
															 buf, bufsize, true);

			appendStringInfoString(&out, (char *) buf);
			s += done;
			len -= done;
			if (len > 0)
			{
				int			n = audit_escape_char(&out, s, len, src_enc);

				s += n;
				len -= n;
			}
		}
		pfree(buf);
	}
	return out.data;
}

/*
 * A sample recorded in a database of encoding src_enc, for this reader.
 * The table is shared by every database and keeps the bytes as recorded;
 * converting them here, first to the client's encoding and then to this
 * database's, gives text that is valid in this database and that the
 * server can send to this client, so every database and every client can
 * read every sample.  What cannot be converted appears as \xNN.
 */
static char *
audit_sample_for_reader(const char *sample, int src_enc)
{
	int			client_enc = pg_get_client_encoding();
	const char *s = sample;

	if (client_enc != PG_SQL_ASCII && client_enc != src_enc)
	{
		s = audit_convert(s, src_enc, client_enc);
		src_enc = client_enc;
	}
	return audit_convert(s, src_enc, GetDatabaseEncoding());
}

/*
 * Count one hazardous statement of this session.
 */
void
audit_shmem_record(AuditHazard hazard, const char *source_text,
				   int location, int len)
{
	AuditKey	key;
	AuditEntry *entry;
	TimestampTz now;
	bool		warn_full = false;
	char		sample[AUDIT_SAMPLE_LEN];

	if (audit_shared == NULL || audit_hash == NULL)
		return;

	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.userid = GetSessionUserId();
	key.hazard = (int32) hazard;
	if (application_name)
		strlcpy(key.appname, application_name, NAMEDATALEN);
	now = GetCurrentTimestamp();

	LWLockAcquire(audit_shared->lock, LW_SHARED);
	entry = (AuditEntry *) hash_search(audit_hash, &key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		/* a new key: prepare the sample, then insert under the lock */
		LWLockRelease(audit_shared->lock);
		audit_make_sample(sample, source_text, location, len);
		LWLockAcquire(audit_shared->lock, LW_EXCLUSIVE);

		entry = (AuditEntry *) hash_search(audit_hash, &key, HASH_FIND, NULL);
		if (entry == NULL)
		{
			bool		found;

			if (hash_get_num_entries(audit_hash) < audit_max_entries)
				entry = (AuditEntry *) hash_search(audit_hash, &key,
												   HASH_ENTER_NULL, &found);
			if (entry == NULL)
			{
				audit_shared->dropped++;
				warn_full = !audit_shared->full_warned;
				audit_shared->full_warned = true;
				LWLockRelease(audit_shared->lock);
				if (warn_full)
					ereport(WARNING,
							(errmsg("lifeguard pooling audit is full: %d entries",
									audit_max_entries),
							 errdetail("Hazards of new (database, role, application_name, hazard) keys are counted as dropped from now on."),
							 errhint("Increase lifeguard.audit_max_entries, or call pooling_audit_reset().")));
				return;
			}
			SpinLockInit(&entry->mutex);
			entry->count = 0;
			entry->first_seen = now;
			entry->last_seen = now;
			entry->sample_encoding = GetDatabaseEncoding();
			strlcpy(entry->sample, sample, AUDIT_SAMPLE_LEN);
		}
	}

	SpinLockAcquire(&entry->mutex);
	entry->count++;
	if (now > entry->last_seen)
		entry->last_seen = now;
	SpinLockRelease(&entry->mutex);

	LWLockRelease(audit_shared->lock);
}

static void
audit_check_available(const char *funcname)
{
	audit_require_preload(funcname);
	if (audit_shared == NULL || audit_hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lifeguard pooling audit shared memory is not initialized")));
}

/* a name Datum from a C string (NULL stays NULL) */
static Datum
audit_name_datum(const char *s)
{
	Name		n = (Name) palloc0(NAMEDATALEN);

	namestrcpy(n, s);
	return NameGetDatum(n);
}

/*
 * pooling_audit(): the table's entries.  The sample is NULL unless the
 * caller is the entry's role or has the privileges of pg_read_all_stats.
 */
Datum
lifeguard_pooling_audit(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	HASH_SEQ_STATUS hash_seq;
	AuditEntry *entry;
	Oid			caller = GetUserId();
	bool		read_all = has_privs_of_role(caller, ROLE_PG_READ_ALL_STATS);
	typedef struct
	{
		AuditKey	key;
		int64		count;
		TimestampTz first_seen;
		TimestampTz last_seen;
		int32		sample_encoding;
		char		sample[AUDIT_SAMPLE_LEN];
	}			AuditRow;
	AuditRow   *rows;
	long		nrows = 0;
	long		maxrows;

	audit_check_available("pooling_audit");
	rsinfo = lifeguard_init_srf(fcinfo);

	/* copy the entries under the lock, build tuples after releasing it */
	/*
	 * Size the copy by the entries there are, not by the table's capacity.
	 * Entries are added only under the exclusive lock, so more may appear
	 * between the two shared acquisitions; the loop below stops at maxrows
	 * and leaves those for the next call.
	 */
	LWLockAcquire(audit_shared->lock, LW_SHARED);
	maxrows = hash_get_num_entries(audit_hash);
	LWLockRelease(audit_shared->lock);
	rows = (AuditRow *) palloc(sizeof(AuditRow) * Max(maxrows, 1));
	LWLockAcquire(audit_shared->lock, LW_SHARED);
	hash_seq_init(&hash_seq, audit_hash);
	while ((entry = hash_seq_search(&hash_seq)) != NULL)
	{
		AuditRow   *r;

		if (nrows >= maxrows)
		{
			hash_seq_term(&hash_seq);
			break;
		}
		r = &rows[nrows++];
		r->key = entry->key;
		SpinLockAcquire(&entry->mutex);
		r->count = entry->count;
		r->last_seen = entry->last_seen;
		SpinLockRelease(&entry->mutex);
		r->first_seen = entry->first_seen;
		r->sample_encoding = entry->sample_encoding;
		memcpy(r->sample, entry->sample, AUDIT_SAMPLE_LEN);
	}
	LWLockRelease(audit_shared->lock);

	for (long i = 0; i < nrows; i++)
	{
		AuditRow   *r = &rows[i];
		Datum		values[8];
		bool		nulls[8] = {0};
		char	   *dbname = get_database_name(r->key.dbid);
		char	   *rolname = GetUserNameFromId(r->key.userid, true);

		if (dbname)
			values[0] = audit_name_datum(dbname);
		else
			nulls[0] = true;
		if (rolname)
			values[1] = audit_name_datum(rolname);
		else
			nulls[1] = true;
		values[2] = CStringGetTextDatum(r->key.appname);
		values[3] = CStringGetTextDatum(audit_hazard_name(r->key.hazard));
		values[4] = Int64GetDatum(r->count);
		values[5] = TimestampTzGetDatum(r->first_seen);
		values[6] = TimestampTzGetDatum(r->last_seen);
		if (read_all || r->key.userid == caller)
			values[7] = CStringGetTextDatum(audit_sample_for_reader(r->sample, r->sample_encoding));
		else
			nulls[7] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * pooling_audit_info(): entries, max_entries, dropped, since.
 */
Datum
lifeguard_pooling_audit_info(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {0};
	long		entries;
	int64		dropped;
	TimestampTz since;

	audit_check_available("pooling_audit_info");
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	LWLockAcquire(audit_shared->lock, LW_SHARED);
	entries = hash_get_num_entries(audit_hash);
	dropped = audit_shared->dropped;
	since = audit_shared->since;
	LWLockRelease(audit_shared->lock);

	values[0] = Int32GetDatum((int32) entries);
	values[1] = Int32GetDatum(audit_max_entries);
	values[2] = Int64GetDatum(dropped);
	values[3] = TimestampTzGetDatum(since);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * pooling_audit_reset(): forget every entry and the dropped count.
 */
Datum
lifeguard_pooling_audit_reset(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS hash_seq;
	AuditEntry *entry;

	audit_check_available("pooling_audit_reset");

	LWLockAcquire(audit_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&hash_seq, audit_hash);
	while ((entry = hash_seq_search(&hash_seq)) != NULL)
		hash_search(audit_hash, &entry->key, HASH_REMOVE, NULL);
	audit_shared->dropped = 0;
	audit_shared->since = GetCurrentTimestamp();
	audit_shared->full_warned = false;
	LWLockRelease(audit_shared->lock);

	PG_RETURN_VOID();
}
