/*-------------------------------------------------------------------------
 *
 * fuzz_input.h
 *	  What the libFuzzer harnesses of fuzz/ share: an input's bytes as a C
 *	  string.
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_FUZZ_INPUT_H
#define LG_FUZZ_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The size bytes at data as a malloc'd string with a NUL after them (a NUL
 * among them ends it early, as it would in C), or NULL when out of memory.
 */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif							/* LG_FUZZ_INPUT_H */
