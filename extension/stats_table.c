/*-------------------------------------------------------------------------
 *
 * stats_table.c
 *	  The shared table behind pool_stats: one row per database, role and
 *	  application_name, with the sessions, refusals and transactions
 *	  counted since the last pool_stats_reset(); one slot per backend where
 *	  its transactions are added without a lock; and the file that keeps
 *	  the rows across a clean restart, as pg_stat_statements keeps its own.
 *
 * The table holds at most lifeguard.stats_max_entries rows and never
 * evicts one: what a new row would count while the table is full goes to
 * one overflow row (shown with NULL names), so that the sums over
 * pool_stats stay exact, and the event is counted in `overflowed`; one LOG
 * says so until the next reset.  A reset zeroes every count and removes
 * the rows that hold no connection, and no backend's slot names; the
 * connections open stay counted (and are the new peak).
 *
 * Transactions are counted in this backend's slot (ProcNumber-indexed,
 * a cache line of its own, written only by its backend under a change
 * count as PgBackendStatus is): readers add the live slots to the rows
 * of their keys.  A slot's counts move into its row when its key changes
 * (the application_name a transaction starts with is another one), when
 * its session ends, and at shutdown.  Refusals of processes without a
 * PGPROC wait in stats_refusals.c until a process with one drains them
 * into the table (every reader, the next session to open or end).
 *
 * Locking rules
 *	- StatsShared->lock (LWLock tranche "lifeguard_stats") guards the hash
 *	  table's structure, the slots' keys, `overflowed`, `full_logged` and
 *	  the generation.
 *	- SHARED: to count in an existing row (a session opening, a refusal),
 *	  under the row's spinlock, or in the overflow row and the server's
 *	  totals under StatsShared->mutex; to read.
 *	- EXCLUSIVE: to insert a row, to move a slot's counts into a row (so
 *	  that a reader never sees them in both or neither), to end a session,
 *	  to drain the refusals, to reset.  Holding it, the rows and the
 *	  overflow row are written without their spinlocks.
 *	- A backend's slot is written by that backend only, without the lock
 *	  for transactions (lg_stats_xact_add), with it for everything else;
 *	  readers copy it with the change count protocol.  Counts of a slot
 *	  whose generation is not the table's (a reset came since) are not
 *	  shown, and are zeroed by their backend's next write.
 *	- Nothing that can raise an error (no palloc, no ereport) runs while
 *	  the lock or a spinlock is held.
 *	- Saving (at postmaster shutdown) and loading (at startup) run in the
 *	  postmaster alone, without locks, as pg_stat_statements does.
 *
 * This file calls settings.c and stats_refusals.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "lg_extension.h"
#include "settings.h"
#include "stats_refusals.h"
#include "stats_table.h"

/* the file, in the data directory, and its format */
#define STATS_FILE			PGSTAT_STAT_PERMANENT_DIRECTORY "/lifeguard_pool_stats.stat"
#define STATS_FILE_TMP		STATS_FILE ".tmp"
#define STATS_FILE_MAGIC	0x4c475053	/* "LGPS" */
#define STATS_FILE_FORMAT	1

typedef struct StatsEntry
{
	LgStatsKey	key;			/* hash key; must be first */
	slock_t		mutex;			/* protects c under the shared lock */
	bool		keep;			/* reset: a slot names this row */
	LgStatsCounters c;
} StatsEntry;

/* what a backend's slot holds (copied whole by readers) */
typedef struct StatsSlotData
{
	uint32		generation;		/* the table's generation x belongs to */
	bool		in_use;			/* a session of this backend is open */
	bool		overflow;		/* key's row did not fit */
	LgStatsKey	key;			/* the row of the transactions in x */
	LgStatsXact x;
} StatsSlotData;

typedef struct StatsSlot
{
	pg_atomic_uint32 changecount;	/* odd while its backend writes */
	StatsSlotData d;
} StatsSlot;

typedef struct StatsShared
{
	LWLock	   *lock;
	slock_t		mutex;			/* overflow row and totals, lock shared */
	pg_atomic_uint32 generation;	/* + 1 at each reset */
	TimestampTz since;			/* startup or the last reset */
	int64		overflowed;		/* events of rows that did not fit */
	bool		full_logged;	/* the LOG about a full table was written */
	int32		connections;	/* client sessions open, all rows */
	int32		peak_connections;
	TimestampTz peak_at;
	LgStatsCounters overflow;	/* what did not fit */
} StatsShared;

static StatsShared *shared = NULL;
static HTAB *rows_hash = NULL;
static char *slots_base = NULL;
static int	nslots = 0;

/* this backend's slot, while its session is open */
static StatsSlot *my_slot = NULL;

#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* a slot per backend, each on cache lines of its own */
#define SLOT_STRIDE		CACHELINEALIGN(sizeof(StatsSlot))

static StatsSlot *
slot_at(int i)
{
	return (StatsSlot *) (slots_base + (Size) i * SLOT_STRIDE);
}

static Size
slots_size(void)
{
	return add_size(mul_size(lg_max_backends(), SLOT_STRIDE), PG_CACHE_LINE_SIZE);
}

static Size
stats_memsize(void)
{
	Size		size = MAXALIGN(sizeof(StatsShared));

	size = add_size(size, hash_estimate_size(lg_stats_max_entries, sizeof(StatsEntry)));
	size = add_size(size, slots_size());
	return add_size(size, lg_stats_refusals_shmem_size(lg_stats_max_entries));
}

static void
slot_begin_write(StatsSlot *slot)
{
	pg_atomic_write_u32(&slot->changecount,
						pg_atomic_read_u32(&slot->changecount) + 1);
	pg_write_barrier();
}

static void
slot_end_write(StatsSlot *slot)
{
	pg_write_barrier();
	pg_atomic_write_u32(&slot->changecount,
						pg_atomic_read_u32(&slot->changecount) + 1);
}

/* a consistent copy of a slot another backend may be writing */
static void
slot_read(StatsSlot *slot, StatsSlotData *out)
{
	for (;;)
	{
		uint32		before = pg_atomic_read_u32(&slot->changecount);

		pg_read_barrier();
		memcpy(out, &slot->d, sizeof(StatsSlotData));
		pg_read_barrier();
		if ((before & 1) == 0 && before == pg_atomic_read_u32(&slot->changecount))
			return;
		pg_spin_delay();
	}
}

/* ---- the file ---- */

typedef struct StatsFileHeader
{
	uint32		magic;
	uint32		format;
	uint32		pg_major;
	uint32		record_size;
	TimestampTz since;
	int64		overflowed;
	int32		peak_connections;
	TimestampTz peak_at;
} StatsFileHeader;

/* kinds of record */
#define RECORD_END		0
#define RECORD_ROW		1
#define RECORD_OVERFLOW	2

typedef struct StatsFileRecord
{
	int32		kind;
	LgStatsKey	key;
	LgStatsCounters c;
} StatsFileRecord;

static void
write_record(FILE *file, int32 kind, const LgStatsKey *key,
			 const LgStatsCounters *c)
{
	StatsFileRecord r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	if (key)
		r.key = *key;
	if (c)
		r.c = *c;
	r.c.connections = 0;		/* no session survives a restart */
	(void) fwrite(&r, sizeof(r), 1, file);
}

/* lg_stats_refusals_drain callback at shutdown: a record per key */
static void
save_refusals(const LgStatsKey *key, const int64 *counts, TimestampTz last_at,
			  void *arg)
{
	LgStatsCounters c;

	memset(&c, 0, sizeof(c));
	memcpy(c.refused, counts, sizeof(c.refused));
	c.last_refused_at = last_at;
	write_record((FILE *) arg, key ? RECORD_ROW : RECORD_OVERFLOW, key, &c);
}

/*
 * on_shmem_exit in the postmaster (or a standalone backend): write the
 * rows, the slots of backends that never ended their session (killed by
 * an immediate shutdown) and the refusals still buffered.  Not after a
 * crash (code != 0): then everything starts at zero, as pg_stat_statements
 * does.
 */
static void
stats_shmem_shutdown(int code, Datum arg)
{
	FILE	   *file;
	StatsFileHeader h;
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;

	if (code != 0 || shared == NULL || rows_hash == NULL || !lg_stats_save)
		return;

	file = AllocateFile(STATS_FILE_TMP, PG_BINARY_W);
	if (file == NULL)
		goto error;
	memset(&h, 0, sizeof(h));
	h.magic = STATS_FILE_MAGIC;
	h.format = STATS_FILE_FORMAT;
	h.pg_major = LG_PG_MAJOR;
	h.record_size = sizeof(StatsFileRecord);
	h.since = shared->since;
	h.overflowed = shared->overflowed;
	h.peak_connections = shared->peak_connections;
	h.peak_at = shared->peak_at;
	if (fwrite(&h, sizeof(h), 1, file) != 1)
		goto error;

	hash_seq_init(&seq, rows_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
		write_record(file, RECORD_ROW, &entry->key, &entry->c);
	for (int i = 0; i < nslots; i++)
	{
		StatsSlot  *slot = slot_at(i);
		LgStatsCounters c;

		if (!slot->d.in_use ||
			slot->d.generation != pg_atomic_read_u32(&shared->generation))
			continue;
		memset(&c, 0, sizeof(c));
		c.xact = slot->d.x;
		write_record(file, slot->d.overflow ? RECORD_OVERFLOW : RECORD_ROW,
					 &slot->d.key, &c);
	}
	lg_stats_refusals_drain(save_refusals, file);
	write_record(file, RECORD_OVERFLOW, NULL, &shared->overflow);
	write_record(file, RECORD_END, NULL, NULL);

	if (ferror(file) || FreeFile(file) != 0)
	{
		file = NULL;
		goto error;
	}
	(void) durable_rename(STATS_FILE_TMP, STATS_FILE, LOG);
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write file \"%s\": %m", STATS_FILE_TMP)));
	if (file)
		FreeFile(file);
	unlink(STATS_FILE_TMP);
}

/* add a loaded record to its row (postmaster, no lock) */
static void
load_record(const StatsFileRecord *r)
{
	LgStatsCounters *target = &shared->overflow;

	if (r->kind == RECORD_ROW)
	{
		StatsEntry *entry = hash_search(rows_hash, &r->key, HASH_FIND, NULL);
		bool		found;

		if (entry == NULL && hash_get_num_entries(rows_hash) < lg_stats_max_entries)
		{
			entry = hash_search(rows_hash, &r->key, HASH_ENTER_NULL, &found);
			if (entry)
			{
				SpinLockInit(&entry->mutex);
				entry->keep = false;
				memset(&entry->c, 0, sizeof(entry->c));
			}
		}
		if (entry)
			target = &entry->c;
		else
			shared->overflowed++;
	}
	lg_stats_counters_merge(target, &r->c);
	target->connections = 0;
}

/*
 * Read the file the last clean shutdown wrote, then remove it (a crash
 * must not find it again).  A file of another format or PostgreSQL major,
 * or cut short, is ignored with a LOG.
 */
static void
load_saved_file(void)
{
	FILE	   *file;
	StatsFileHeader h;
	StatsFileRecord *records = NULL;
	int			n = 0,
				max = 0;

	if (!lg_stats_save)
	{
		unlink(STATS_FILE);
		return;
	}
	file = AllocateFile(STATS_FILE, PG_BINARY_R);
	if (file == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", STATS_FILE)));
		return;
	}
	if (fread(&h, sizeof(h), 1, file) != 1 || h.magic != STATS_FILE_MAGIC ||
		h.format != STATS_FILE_FORMAT || h.pg_major != LG_PG_MAJOR ||
		h.record_size != sizeof(StatsFileRecord))
		goto ignore;
	for (;;)
	{
		if (n == max)
		{
			max = max ? max * 2 : 64;
			records = records ? repalloc(records, max * sizeof(StatsFileRecord))
				: palloc(max * sizeof(StatsFileRecord));
		}
		if (fread(&records[n], sizeof(StatsFileRecord), 1, file) != 1)
			goto ignore;
		if (records[n].kind == RECORD_END)
			break;
		if (records[n].kind != RECORD_ROW && records[n].kind != RECORD_OVERFLOW)
			goto ignore;
		n++;
	}
	shared->since = h.since;
	shared->overflowed = h.overflowed;
	shared->peak_connections = h.peak_connections;
	shared->peak_at = h.peak_at;
	for (int i = 0; i < n; i++)
		load_record(&records[i]);
	goto done;

ignore:
	ereport(LOG,
			(errmsg("ignoring file \"%s\": not a complete pool_stats file of this version",
					STATS_FILE)));
done:
	if (records)
		pfree(records);
	FreeFile(file);
	unlink(STATS_FILE);
}

/* ---- shared memory ---- */

static void
stats_shmem_request(void)
{
#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(stats_memsize());
	RequestNamedLWLockTranche("lifeguard_stats", 1);
}

static void
stats_shmem_startup(void)
{
	bool		found;
	bool		found_slots;
	char	   *raw;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	/* again after a crash: forget the old segment's */
	shared = NULL;
	rows_hash = NULL;
	my_slot = NULL;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);

	shared = ShmemInitStruct("lifeguard pool_stats", sizeof(StatsShared), &found);
	if (!found)
	{
		memset(shared, 0, sizeof(StatsShared));
		shared->lock = &(GetNamedLWLockTranche("lifeguard_stats"))->lock;
		SpinLockInit(&shared->mutex);
		pg_atomic_init_u32(&shared->generation, 1);
		shared->since = GetCurrentTimestamp();
	}

	rows_hash = lg_shmem_hash("lifeguard pool_stats rows", lg_stats_max_entries,
							  sizeof(LgStatsKey), sizeof(StatsEntry));

	nslots = lg_max_backends();
	raw = ShmemInitStruct("lifeguard pool_stats slots", slots_size(), &found_slots);
	slots_base = (char *) CACHELINEALIGN(raw);
	if (!found_slots)
	{
		for (int i = 0; i < nslots; i++)
		{
			StatsSlot  *slot = slot_at(i);

			pg_atomic_init_u32(&slot->changecount, 0);
			memset(&slot->d, 0, sizeof(slot->d));
		}
	}

	lg_stats_refusals_shmem_attach(lg_stats_max_entries);

	LWLockRelease(AddinShmemInitLock);

	/* the postmaster (or a standalone backend) saves at shutdown */
	if (!IsUnderPostmaster)
		on_shmem_exit(stats_shmem_shutdown, (Datum) 0);

	/* no other process runs yet */
	if (!found)
		load_saved_file();
}

void
lg_stats_table_request(void)
{
#ifdef LG_HAVE_SHMEM_REQUEST_HOOK
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = stats_shmem_request;
#else
	stats_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = stats_shmem_startup;
}

/* ---- rows ---- */

/*
 * key's row, inserted when new; NULL when the table is full (the event is
 * counted in overflowed, and *warn asks the caller for the LOG, once per
 * reset, unless quiet).  The lock is held exclusively.
 */
static StatsEntry *
entry_enter(const LgStatsKey *key, bool quiet, bool *warn)
{
	StatsEntry *entry;
	bool		found;

	entry = (StatsEntry *) hash_search(rows_hash, key, HASH_FIND, NULL);
	if (entry)
		return entry;
	if (hash_get_num_entries(rows_hash) < lg_stats_max_entries)
		entry = (StatsEntry *) hash_search(rows_hash, key, HASH_ENTER_NULL, &found);
	if (entry == NULL)
	{
		shared->overflowed++;
		if (!quiet && !shared->full_logged)
		{
			shared->full_logged = true;
			*warn = true;
		}
		return NULL;
	}
	SpinLockInit(&entry->mutex);
	entry->keep = false;
	memset(&entry->c, 0, sizeof(entry->c));
	return entry;
}

/* the counters of entry, or the overflow row's when it is NULL */
static LgStatsCounters *
counters_of(StatsEntry *entry)
{
	return entry ? &entry->c : &shared->overflow;
}

static slock_t *
mutex_of(StatsEntry *entry)
{
	return entry ? &entry->mutex : &shared->mutex;
}

static void
log_full(void)
{
	ereport(LOG,
			(errmsg("lifeguard pool_stats is full: %d rows", lg_stats_max_entries),
			 errdetail("What new (database, role, application_name) rows count goes to the overflow row from now on."),
			 errhint("Increase lifeguard.stats_max_entries, or call pool_stats_reset().")));
}

/* lg_stats_refusals_drain callback: into the rows, under the lock */
typedef struct DrainArgs
{
	bool		discard;		/* a reset: forget them */
	bool		quiet;
	bool		warn;
} DrainArgs;

static void
drain_into_rows(const LgStatsKey *key, const int64 *counts,
				TimestampTz last_at, void *arg)
{
	DrainArgs  *a = (DrainArgs *) arg;
	LgStatsCounters *c;

	if (a->discard)
		return;
	c = counters_of(key ? entry_enter(key, a->quiet, &a->warn) : NULL);
	for (int i = 0; i < LG_REFUSED_NUM; i++)
		c->refused[i] += counts[i];
	c->last_refused_at = Max(c->last_refused_at, last_at);
}

/* the lock held exclusively */
static void
drain_locked(DrainArgs *a)
{
	if (lg_stats_refusals_pending())
		lg_stats_refusals_drain(drain_into_rows, a);
}

/*
 * Move this backend's slot's counts into its row (the lock held
 * exclusively) and zero them.
 */
static void
fold_my_slot(bool *warn)
{
	StatsSlot  *slot = my_slot;
	uint32		generation = pg_atomic_read_u32(&shared->generation);

	if (slot == NULL || !slot->d.in_use)
		return;
	if (slot->d.generation == generation)
	{
		LgStatsCounters *c = slot->d.overflow ? &shared->overflow
			: counters_of(entry_enter(&slot->d.key, false, warn));

		lg_stats_xact_merge(&c->xact, &slot->d.x);
	}
	slot_begin_write(slot);
	memset(&slot->d.x, 0, sizeof(slot->d.x));
	slot->d.generation = generation;
	slot_end_write(slot);
}

static void
check_available(const char *funcname)
{
	lg_require_preload(funcname);
	if (!lg_stats_enabled)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s() requires lifeguard.stats to be on", funcname),
				 errhint("Set lifeguard.stats = on in postgresql.conf and restart the server.")));
	if (shared == NULL || rows_hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lifeguard pool_stats shared memory is not initialized")));
}

/* ---- sessions ---- */

bool
lg_stats_session_open(const LgStatsKey *key)
{
	TimestampTz now = GetCurrentTimestamp();
	DrainArgs	drain = {false, false, false};
	StatsEntry *entry;
	LgStatsCounters *c;
	slock_t    *mutex;
	int			procno = LG_MY_PROC_NUMBER;
	bool		exclusive;

	if (shared == NULL)
		return false;
	exclusive = lg_stats_refusals_pending();
	LWLockAcquire(shared->lock, exclusive ? LW_EXCLUSIVE : LW_SHARED);
	entry = (StatsEntry *) hash_search(rows_hash, key, HASH_FIND, NULL);
	if (entry == NULL && !exclusive)
	{
		LWLockRelease(shared->lock);
		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		exclusive = true;
	}
	if (exclusive)
	{
		drain_locked(&drain);
		entry = entry_enter(key, false, &drain.warn);
	}

	c = counters_of(entry);
	mutex = mutex_of(entry);
	SpinLockAcquire(mutex);
	c->sessions_opened++;
	c->connections++;
	if (c->connections > c->peak_connections)
	{
		c->peak_connections = c->connections;
		c->peak_at = now;
	}
	SpinLockRelease(mutex);

	SpinLockAcquire(&shared->mutex);
	shared->connections++;
	if (shared->connections > shared->peak_connections)
	{
		shared->peak_connections = shared->connections;
		shared->peak_at = now;
	}
	SpinLockRelease(&shared->mutex);

	my_slot = (procno >= 0 && procno < nslots) ? slot_at(procno) : NULL;
	if (my_slot)
	{
		slot_begin_write(my_slot);
		my_slot->d.in_use = true;
		my_slot->d.overflow = entry == NULL;
		my_slot->d.key = *key;
		memset(&my_slot->d.x, 0, sizeof(my_slot->d.x));
		my_slot->d.generation = pg_atomic_read_u32(&shared->generation);
		slot_end_write(my_slot);
	}
	LWLockRelease(shared->lock);
	if (drain.warn)
		log_full();
	return entry != NULL;
}

void
lg_stats_session_end(const LgStatsKey *key, bool fits, LgStatsEnd cause,
					 int64 session_time)
{
	DrainArgs	drain = {false, false, false};
	LgStatsCounters *c;

	if (shared == NULL)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	drain_locked(&drain);
	fold_my_slot(&drain.warn);
	c = fits ? counters_of(entry_enter(key, false, &drain.warn)) : &shared->overflow;
	c->ended[cause]++;
	c->session_time += Max(session_time, 0);
	if (c->connections > 0)
		c->connections--;
	if (shared->connections > 0)
		shared->connections--;
	if (my_slot)
	{
		slot_begin_write(my_slot);
		my_slot->d.in_use = false;
		slot_end_write(my_slot);
		my_slot = NULL;
	}
	LWLockRelease(shared->lock);
	if (drain.warn)
		log_full();
}

/* ---- transactions ---- */

void
lg_stats_xact_add(const LgStatsXact *delta)
{
	StatsSlot  *slot = my_slot;
	uint32		generation;

	if (slot == NULL)
		return;
	generation = pg_atomic_read_u32(&shared->generation);
	slot_begin_write(slot);
	if (unlikely(slot->d.generation != generation))
	{
		/* a reset came: what the slot held is gone */
		memset(&slot->d.x, 0, sizeof(slot->d.x));
		slot->d.generation = generation;
	}
	lg_stats_xact_merge(&slot->d.x, delta);
	slot_end_write(slot);
}

void
lg_stats_xact_end(bool commit, int64 time, int64 idle)
{
	StatsSlot  *slot = my_slot;
	uint32		generation;
	LgStatsXact *x;

	if (slot == NULL)
		return;
	generation = pg_atomic_read_u32(&shared->generation);
	x = &slot->d.x;
	slot_begin_write(slot);
	if (unlikely(slot->d.generation != generation))
	{
		memset(x, 0, sizeof(*x));
		slot->d.generation = generation;
	}
	if (commit)
		x->commits++;
	else
		x->rollbacks++;
	x->transaction_time += time;
	x->idle_in_transaction_time += idle;
	x->active_time += time - idle;
	if (time > x->longest_transaction)
		x->longest_transaction = time;
	if (idle > x->longest_idle_in_transaction)
		x->longest_idle_in_transaction = idle;
	slot_end_write(slot);
}

void
lg_stats_xact_rekey(const LgStatsKey *key)
{
	bool		warn = false;
	StatsEntry *entry;

	if (my_slot == NULL)
		return;
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	fold_my_slot(&warn);
	entry = entry_enter(key, false, &warn);
	slot_begin_write(my_slot);
	my_slot->d.key = *key;
	my_slot->d.overflow = entry == NULL;
	slot_end_write(my_slot);
	LWLockRelease(shared->lock);
	if (warn)
		log_full();
}

/* ---- refusals ---- */

void
lg_stats_refusal(const LgStatsKey *key, LgStatsRefusal cause, bool in_log_hook)
{
	TimestampTz now = GetCurrentTimestamp();
	bool		warn = false;
	StatsEntry *entry;
	LgStatsCounters *c;
	slock_t    *mutex;

	if (shared == NULL)
		return;
	/* no PGPROC, so no LWLock: the lock-free buffer */
	if (MyProc == NULL)
	{
		lg_stats_refusals_record(key, cause, now);
		return;
	}
	LWLockAcquire(shared->lock, LW_SHARED);
	entry = (StatsEntry *) hash_search(rows_hash, key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		LWLockRelease(shared->lock);
		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		entry = entry_enter(key, in_log_hook, &warn);
	}
	c = counters_of(entry);
	mutex = mutex_of(entry);
	SpinLockAcquire(mutex);
	c->refused[cause]++;
	c->last_refused_at = Max(c->last_refused_at, now);
	SpinLockRelease(mutex);
	LWLockRelease(shared->lock);
	if (warn)
		log_full();
}

/* ---- readers ---- */

/* the key -> row index of lg_stats_rows */
typedef struct RowIndex
{
	LgStatsKey	key;
	int			row;
} RowIndex;

LgStatsRow *
lg_stats_rows(const char *funcname, int *nrows)
{
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;
	StatsSlotData *slots;
	LgStatsRow *rows;
	LgStatsCounters overflow;
	HTAB	   *index;
	uint32		generation;
	long		maxrows;
	int			n = 0;

	check_available(funcname);

	/* refusals still buffered go into the rows first */
	if (lg_stats_refusals_pending())
	{
		DrainArgs	drain = {false, false, false};

		LWLockAcquire(shared->lock, LW_EXCLUSIVE);
		drain_locked(&drain);
		LWLockRelease(shared->lock);
		if (drain.warn)
			log_full();
	}

	/* sized by the rows there are; new ones are left for the next call */
	LWLockAcquire(shared->lock, LW_SHARED);
	maxrows = hash_get_num_entries(rows_hash);
	LWLockRelease(shared->lock);
	rows = (LgStatsRow *) palloc0(sizeof(LgStatsRow) * (maxrows + nslots + 1));
	slots = (StatsSlotData *) palloc(sizeof(StatsSlotData) * Max(nslots, 1));

	LWLockAcquire(shared->lock, LW_SHARED);
	generation = pg_atomic_read_u32(&shared->generation);
	hash_seq_init(&seq, rows_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (n >= maxrows)
		{
			hash_seq_term(&seq);
			break;
		}
		rows[n].key = entry->key;
		SpinLockAcquire(&entry->mutex);
		rows[n].c = entry->c;
		SpinLockRelease(&entry->mutex);
		n++;
	}
	SpinLockAcquire(&shared->mutex);
	overflow = shared->overflow;
	SpinLockRelease(&shared->mutex);
	for (int i = 0; i < nslots; i++)
		slot_read(slot_at(i), &slots[i]);
	LWLockRelease(shared->lock);

	/* add the live slots to their rows */
	index = lg_local_hash("lifeguard pool_stats rows by key", Max(n, 16),
						  sizeof(LgStatsKey), sizeof(RowIndex),
						  CurrentMemoryContext);
	for (int i = 0; i < n; i++)
		((RowIndex *) hash_search(index, &rows[i].key, HASH_ENTER, NULL))->row = i;
	for (int i = 0; i < nslots; i++)
	{
		StatsSlotData *s = &slots[i];
		RowIndex   *ri;
		bool		found;

		if (!s->in_use || s->generation != generation)
			continue;
		if (s->overflow)
		{
			lg_stats_xact_merge(&overflow.xact, &s->x);
			continue;
		}
		ri = (RowIndex *) hash_search(index, &s->key, HASH_ENTER, &found);
		if (!found)
		{
			/* a row inserted after the copy was sized */
			ri->row = n;
			rows[n].key = s->key;
			n++;
		}
		lg_stats_xact_merge(&rows[ri->row].c.xact, &s->x);
	}
	hash_destroy(index);
	pfree(slots);

	/* the overflow row, when it holds anything */
	{
		static const LgStatsCounters zero;

		if (memcmp(&overflow, &zero, sizeof(zero)) != 0)
		{
			rows[n].overflow = true;
			rows[n].c = overflow;
			n++;
		}
	}
	*nrows = n;
	return rows;
}

void
lg_stats_info(const char *funcname, LgStatsInfo *info)
{
	check_available(funcname);
	LWLockAcquire(shared->lock, LW_SHARED);
	info->entries = (int) hash_get_num_entries(rows_hash);
	info->overflowed = shared->overflowed;
	SpinLockAcquire(&shared->mutex);
	info->since = shared->since;
	info->connections = shared->connections;
	info->peak_connections = shared->peak_connections;
	info->peak_at = shared->peak_at;
	SpinLockRelease(&shared->mutex);
	LWLockRelease(shared->lock);
}

/* zero a row's counts, keeping its open connections as its new peak */
static void
reset_counters(LgStatsCounters *c, TimestampTz now)
{
	int32		connections = c->connections;

	memset(c, 0, sizeof(*c));
	c->connections = connections;
	c->peak_connections = connections;
	c->peak_at = connections > 0 ? now : 0;
}

void
lg_stats_reset(const char *funcname)
{
	HASH_SEQ_STATUS seq;
	StatsEntry *entry;
	TimestampTz now = GetCurrentTimestamp();
	DrainArgs	discard = {true, true, false};

	check_available(funcname);
	LWLockAcquire(shared->lock, LW_EXCLUSIVE);
	if (lg_stats_refusals_pending())
		lg_stats_refusals_drain(drain_into_rows, &discard);
	pg_atomic_fetch_add_u32(&shared->generation, 1);

	/* the rows a live slot names stay (their next counts go there) */
	for (int i = 0; i < nslots; i++)
	{
		StatsSlot  *slot = slot_at(i);

		if (slot->d.in_use && !slot->d.overflow &&
			(entry = hash_search(rows_hash, &slot->d.key, HASH_FIND, NULL)) != NULL)
			entry->keep = true;
	}
	hash_seq_init(&seq, rows_hash);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (entry->c.connections > 0 || entry->keep)
		{
			reset_counters(&entry->c, now);
			entry->keep = false;
		}
		else
			hash_search(rows_hash, &entry->key, HASH_REMOVE, NULL);
	}
	reset_counters(&shared->overflow, now);
	shared->overflowed = 0;
	shared->full_logged = false;
	shared->since = now;
	shared->peak_connections = shared->connections;
	shared->peak_at = shared->connections > 0 ? now : 0;
	LWLockRelease(shared->lock);
}
