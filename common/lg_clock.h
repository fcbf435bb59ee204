/*-------------------------------------------------------------------------
 *
 * lg_clock.h
 *	  The one clock reader of lifeguard, for the CUID2 core, the client
 *	  library and the CLI.
 *
 * CLOCK_REALTIME is the wall clock; CLOCK_MONOTONIC measures deadlines,
 * idle times and durations, which must not jump with the wall clock.  A
 * CUID2 carries the wall clock in milliseconds (the reference's
 * Date.now()) as one input of its hash, read from the coarse wall clock
 * where the system has one (Linux): it advances every timer tick (1 to
 * 4 ms) and costs a few nanoseconds, against about 20 for the precise one,
 * a twentieth of an id.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_CLOCK_H
#define LG_CLOCK_H

#include <stdint.h>
#include <time.h>

/* microseconds on the given clock */
static inline int64_t
lg_clock_us(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* milliseconds since the epoch, for a CUID2 */
static inline int64_t
lg_cuid2_clock_ms(void)
{
#ifdef CLOCK_REALTIME_COARSE
	return lg_clock_us(CLOCK_REALTIME_COARSE) / 1000;
#else
	return lg_clock_us(CLOCK_REALTIME) / 1000;
#endif
}

/* milliseconds on the monotonic clock, for deadlines and idle times */
static inline int64_t
lg_mono_ms(void)
{
	return lg_clock_us(CLOCK_MONOTONIC) / 1000;
}

#endif							/* LG_CLOCK_H */
