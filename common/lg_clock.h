/*-------------------------------------------------------------------------
 *
 * lg_clock.h
 *	  The one clock reader of lifeguard, for the CUID2 core, the client
 *	  library and the CLI.
 *
 * CLOCK_REALTIME is the wall clock a CUID2 carries (milliseconds since the
 * epoch, as the reference's Date.now()); CLOCK_MONOTONIC measures deadlines,
 * idle times and durations, which must not jump with the wall clock.
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

/* milliseconds on the monotonic clock, for deadlines and idle times */
static inline int64_t
lg_mono_ms(void)
{
	return lg_clock_us(CLOCK_MONOTONIC) / 1000;
}

#endif							/* LG_CLOCK_H */
