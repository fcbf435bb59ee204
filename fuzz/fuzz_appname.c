/*-------------------------------------------------------------------------
 *
 * fuzz_appname.c
 *	  libFuzzer harness for the PgBouncer suffix stripping of
 *	  application names, lg_appname_base() (common/appname.c).
 *
 * Build and run standalone, from the repository root:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon fuzz/fuzz_appname.c common/appname.c -o /tmp/fuzz_appname && mkdir -p /tmp/appname-corpus && /tmp/fuzz_appname -max_total_time=60 /tmp/appname-corpus fuzz/corpus/fuzz_appname
 *
 * Each input is an application_name (up to its first NUL).  Besides memory
 * errors, the harness checks the result against a POSIX regular expression
 * of the forms PgBouncer appends (appname.h): the base is the input cut
 * at its last " - " exactly when what follows it matches, else the whole
 * input; and it is truncated to the buffer it is given.
 *
 * No shared state but the compiled expression.
 *
 *-------------------------------------------------------------------------
 */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appname.h"
#include "fuzz_input.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static regex_t address;
static int	compiled = 0;

/* the expected base length: cut at the last " - " when an address follows */
static size_t
expected_len(const char *s, size_t n)
{
	for (size_t i = n >= 3 ? n - 2 : 0; i-- > 0;)
	{
		if (memcmp(s + i, " - ", 3) == 0)
			return regexec(&address, s + i + 3, 0, NULL, 0) == 0 ? i : n;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *name;
	char		out[64];
	size_t		n,
				want;

	if (!compiled)
	{
		if (regcomp(&address,
					"^([0-9]{1,3}(\\.[0-9]{1,3}){3}"
					"|\\[[-0-9A-Za-z:.%_]+\\]"
					"|unix(\\([0-9]{1,20}@[^)]*\\))?"
					"):[0-9]{1,5}$", REG_EXTENDED | REG_NOSUB) != 0)
			abort();
		compiled = 1;
	}
	name = fuzz_cstring(data, size);
	if (name == NULL)
		return 0;
	n = strlen(name);

	want = expected_len(name, n);
	if (lg_appname_base_len(name, n) != want)
	{
		fprintf(stderr, "base of \"%s\": %zu bytes, expected %zu\n", name,
				lg_appname_base_len(name, n), want);
		abort();
	}
	lg_appname_base(name, out, sizeof(out));
	if (strlen(out) != (want < sizeof(out) ? want : sizeof(out) - 1) ||
		memcmp(out, name, strlen(out)) != 0)
	{
		fprintf(stderr, "truncated base of \"%s\" is \"%s\"\n", name, out);
		abort();
	}
	lg_appname_base(name, out, 1);
	if (out[0] != '\0')
		abort();
	free(name);
	return 0;
}
