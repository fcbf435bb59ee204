/*-------------------------------------------------------------------------
 *
 * fuzz_prefilter.c
 *	  libFuzzer harness for the audit's statement text prefilter,
 *	  lg_audit_text_may_call() (common/audit_prefilter.c).
 *
 * Build and run standalone, from the repository root:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon fuzz/fuzz_prefilter.c common/audit_prefilter.c -o /tmp/fuzz_prefilter && mkdir -p /tmp/prefilter-corpus && /tmp/fuzz_prefilter -max_total_time=60 /tmp/prefilter-corpus fuzz/corpus/prefilter
 *
 * (libFuzzer adds what it finds to the first corpus directory, so that is
 * a scratch one; fuzz/corpus/prefilter holds the small seed corpus.)
 *
 * Each input is a statement text.  The first two bytes, when present,
 * choose a location and a length inside it (as the parser's stmt_location
 * and stmt_len would), and the rest is the text.  Besides memory errors
 * (the scan must never read outside the statement it is given), the
 * harness checks the prefilter against a plain search: whenever the
 * statement contains "advisory", "set_config" or "U&" in any ASCII case
 * before its last "(" (a call is written name(...), so nothing after the
 * last "(" can be a called name), the prefilter must say the statement may
 * call one (a false negative would let a hazard through unseen).
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_prefilter.h"
#include "fuzz_input.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* does s (n bytes) contain word (lowercase ASCII) in any ASCII case? */
static int
contains(const char *s, int n, const char *word)
{
	int			w = (int) strlen(word);

	for (int i = 0; i + w <= n; i++)
	{
		int			j = 0;

		while (j < w && (s[i + j] >= 'A' && s[i + j] <= 'Z' ? s[i + j] + 32 : s[i + j]) == word[j])
			j++;
		if (j == w)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text;
	size_t		tlen;
	int			location = -1;
	int			len = 0;
	const char *s;
	int			n;

	if (size > 2)
	{
		text = fuzz_cstring(data + 2, size - 2);
		if (text == NULL)
			return 0;
		tlen = strlen(text);	/* the text ends at its first NUL */
		location = tlen ? data[0] % (int) (tlen + 1) : 0;
		len = (int) (data[1] % (tlen - location + 1));
	}
	else
	{
		text = fuzz_cstring(data, size);
		if (text == NULL)
			return 0;
		tlen = strlen(text);
	}

	s = text + (location < 0 ? 0 : location);
	n = (location >= 0 && len > 0) ? len : (int) strlen(s);
	/* what comes before the last "(" */
	while (n > 0 && s[n - 1] != '(')
		n--;
	if (n > 0)
		n--;
	if (!lg_audit_text_may_call(text, location, len) &&
		(contains(s, n, "advisory") || contains(s, n, "set_config") ||
		 contains(s, n, "u&")))
	{
		fprintf(stderr, "prefilter missed a call in \"%.*s\"\n", n, s);
		abort();
	}
	/* the whole text, as when the location is unknown */
	(void) lg_audit_text_may_call(text, -1, 0);
	free(text);
	return 0;
}
