/*-------------------------------------------------------------------------
 *
 * stats_refusals.c
 *	  The connection refusals that happen before the refused process has a
 *	  PGPROC, buffered without a lock until a process that has one moves
 *	  them into the shared table (stats_table.c).
 *
 * "Sorry, too many clients already" (max_connections: no free PGPROC, or
 * the postmaster's limit on children still starting) and "the database
 * system is starting up / shutting down" are raised in the refused child
 * before InitProcess() gave it a PGPROC.  Such a process cannot take an
 * LWLock (waiting needs a PGPROC), and while it reads the startup packet a
 * SIGTERM makes it _exit() on the spot, so neither may it hold a spinlock:
 * a spinlock left held would stop every other process.  So these
 * refusals are counted with atomic operations only, in a small open
 * addressing table keyed like the shared table's rows.
 *
 * Locking rules (there is no lock):
 *	- A slot's state word holds its kind (EMPTY, CLAIMED, READY, DRAINING)
 *	  in its low bits and, in the bits above, how many writers are counting
 *	  in it.  The key of a READY slot changes only through DRAINING, which
 *	  needs no writer in it: so a writer that got in (compare-and-swap on
 *	  the state) reads a stable key.
 *	- A writer finds its key's READY slot, or claims an EMPTY one
 *	  (EMPTY -> CLAIMED, write the key, count, READY), and adds with atomic
 *	  fetch-and-add; CLAIMED and DRAINING slots are passed over, so a key
 *	  may sit in two slots, which the drain adds up.  When no slot of the
 *	  first LG_REFUSAL_PROBES is usable, the refusal is counted in the
 *	  buffer's overflow counters: counted, never lost.
 *	- Only one drain runs at a time (the caller's lock).  It takes the
 *	  counts with atomic exchange and frees a slot (READY -> DRAINING ->
 *	  EMPTY) only when no writer is in it.
 *	- A writer killed between claiming a slot and making it READY (only
 *	  SIGQUIT can, and that ends every process) leaves that slot unused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "port/atomics.h"
#include "storage/shmem.h"

#include "stats_refusals.h"

/* a slot's kind, in the low bits of its state; writers above */
#define KIND_EMPTY		0
#define KIND_CLAIMED	1
#define KIND_READY		2
#define KIND_DRAINING	3
#define KIND_MASK		3
#define ONE_WRITER		4

/* slots a writer tries before counting in the overflow */
#define LG_REFUSAL_PROBES	32

typedef struct RefusalSlot
{
	pg_atomic_uint32 state;
	LgStatsKey	key;
	pg_atomic_uint64 counts[LG_REFUSED_NUM];
	pg_atomic_uint64 last_at;
} RefusalSlot;

typedef struct RefusalBuffer
{
	pg_atomic_uint32 pending;	/* recorded since the last drain */
	uint32		mask;			/* slots - 1, a power of two minus one */
	pg_atomic_uint64 overflow[LG_REFUSED_NUM];
	pg_atomic_uint64 overflow_last_at;
	RefusalSlot slots[FLEXIBLE_ARRAY_MEMBER];
} RefusalBuffer;

static RefusalBuffer *buffer = NULL;

/*
 * Keys refused between two drains fit in max_entries slots; at least 64,
 * at most 1024 (the drain reads them all), a power of two.
 */
static uint32
slot_count(int max_entries)
{
	uint32		n = 64;

	while (n < (uint32) Min(max_entries, 1024))
		n <<= 1;
	return n;
}

Size
lg_stats_refusals_shmem_size(int max_entries)
{
	return add_size(offsetof(RefusalBuffer, slots),
					mul_size(slot_count(max_entries), sizeof(RefusalSlot)));
}

void
lg_stats_refusals_shmem_attach(int max_entries)
{
	bool		found;
	uint32		n = slot_count(max_entries);

	buffer = ShmemInitStruct("lifeguard pool_stats refusals",
							 lg_stats_refusals_shmem_size(max_entries), &found);
	if (found)
		return;
	pg_atomic_init_u32(&buffer->pending, 0);
	buffer->mask = n - 1;
	for (int c = 0; c < LG_REFUSED_NUM; c++)
		pg_atomic_init_u64(&buffer->overflow[c], 0);
	pg_atomic_init_u64(&buffer->overflow_last_at, 0);
	for (uint32 i = 0; i < n; i++)
	{
		RefusalSlot *slot = &buffer->slots[i];

		pg_atomic_init_u32(&slot->state, KIND_EMPTY);
		memset(&slot->key, 0, sizeof(slot->key));
		for (int c = 0; c < LG_REFUSED_NUM; c++)
			pg_atomic_init_u64(&slot->counts[c], 0);
		pg_atomic_init_u64(&slot->last_at, 0);
	}
}

/* raise *v to at least value */
static void
atomic_max(pg_atomic_uint64 *v, uint64 value)
{
	uint64		old = pg_atomic_read_u64(v);

	while (old < value && !pg_atomic_compare_exchange_u64(v, &old, value))
		;
}

/* TimestampTz is after the epoch of 2000 here: stored as uint64 */
static void
count_in(pg_atomic_uint64 *counts, pg_atomic_uint64 *last_at,
		 LgStatsRefusal cause, TimestampTz at)
{
	pg_atomic_fetch_add_u64(&counts[cause], 1);
	atomic_max(last_at, (uint64) Max(at, 0));
}

void
lg_stats_refusals_record(const LgStatsKey *key, LgStatsRefusal cause,
						 TimestampTz at)
{
	uint32		h;

	if (buffer == NULL)
		return;
	h = hash_bytes((const unsigned char *) key, sizeof(LgStatsKey));
	for (uint32 probe = 0; probe < LG_REFUSAL_PROBES && probe <= buffer->mask; probe++)
	{
		RefusalSlot *slot = &buffer->slots[(h + probe) & buffer->mask];
		uint32		s = pg_atomic_read_u32(&slot->state);

		for (;;)
		{
			uint32		kind = s & KIND_MASK;

			if (kind == KIND_READY)
			{
				/* get in (a failed exchange reloads s) */
				if (!pg_atomic_compare_exchange_u32(&slot->state, &s, s + ONE_WRITER))
					continue;
				if (memcmp(&slot->key, key, sizeof(LgStatsKey)) == 0)
				{
					count_in(slot->counts, &slot->last_at, cause, at);
					pg_atomic_fetch_sub_u32(&slot->state, ONE_WRITER);
					pg_atomic_write_u32(&buffer->pending, 1);
					return;
				}
				pg_atomic_fetch_sub_u32(&slot->state, ONE_WRITER);
				break;
			}
			if (kind == KIND_EMPTY)
			{
				if (!pg_atomic_compare_exchange_u32(&slot->state, &s, KIND_CLAIMED))
					continue;
				memcpy(&slot->key, key, sizeof(LgStatsKey));
				count_in(slot->counts, &slot->last_at, cause, at);
				pg_write_barrier();
				pg_atomic_write_u32(&slot->state, KIND_READY);
				pg_atomic_write_u32(&buffer->pending, 1);
				return;
			}
			/* CLAIMED or DRAINING: another slot */
			break;
		}
	}
	count_in(buffer->overflow, &buffer->overflow_last_at, cause, at);
	pg_atomic_write_u32(&buffer->pending, 1);
}

bool
lg_stats_refusals_pending(void)
{
	return buffer != NULL && pg_atomic_read_u32(&buffer->pending) != 0;
}

/* take the counts out: true when there was any */
static bool
take(pg_atomic_uint64 *counts, pg_atomic_uint64 *last_at, int64 *out,
	 TimestampTz *out_last)
{
	bool		any = false;

	for (int c = 0; c < LG_REFUSED_NUM; c++)
	{
		out[c] = (int64) pg_atomic_exchange_u64(&counts[c], 0);
		any |= out[c] != 0;
	}
	*out_last = (TimestampTz) pg_atomic_exchange_u64(last_at, 0);
	return any;
}

void
lg_stats_refusals_drain(lg_stats_refusals_fn fn, void *arg)
{
	int64		counts[LG_REFUSED_NUM];
	TimestampTz last_at;

	/* what is recorded after this exchange sets pending again */
	if (buffer == NULL || pg_atomic_exchange_u32(&buffer->pending, 0) == 0)
		return;
	for (uint32 i = 0; i <= buffer->mask; i++)
	{
		RefusalSlot *slot = &buffer->slots[i];
		uint32		s = pg_atomic_read_u32(&slot->state);

		if ((s & KIND_MASK) != KIND_READY)
			continue;
		if (s == KIND_READY &&
			pg_atomic_compare_exchange_u32(&slot->state, &s, KIND_DRAINING))
		{
			/* no writer in it, and none can get in: free it */
			if (take(slot->counts, &slot->last_at, counts, &last_at))
				fn(&slot->key, counts, last_at, arg);
			pg_write_barrier();
			pg_atomic_write_u32(&slot->state, KIND_EMPTY);
		}
		else if (take(slot->counts, &slot->last_at, counts, &last_at))
		{
			/* writers in it: the key stays, and so does the slot */
			fn(&slot->key, counts, last_at, arg);
		}
	}
	if (take(buffer->overflow, &buffer->overflow_last_at, counts, &last_at))
		fn(NULL, counts, last_at, arg);
}
