/*-------------------------------------------------------------------------
 *
 * audit_prefilter.c
 *	  lg_audit_text_may_call(): might a statement's text call set_config or
 *	  an advisory lock function?  A call names the function in the text
 *	  (possibly quoted or qualified, in any case), or spells it with a
 *	  U&"..." identifier, and a call is always written with a "(" after
 *	  the name, so a statement without "advisory", "set_config" or "U&"
 *	  (in any case) before its last "(" needs no walk of its analyzed tree.
 *	  Most statements have no "(" at all, and then only memchr() runs.
 *	  This scan is cheaper than the walk it saves on every ordinary
 *	  statement; a hit is confirmed on the tree
 *	  (extension/audit_statements.c).  What the parser turns into a call
 *	  without a "(" in the text (a user-made CAST or operator over these
 *	  functions) is the commit-time check's, as every call the statement
 *	  does not name (extension/audit_commit.c).
 *
 * Plain C with no PostgreSQL dependency (see audit_prefilter.h); a pure
 * function, no shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "audit_prefilter.h"

#include <ctype.h>
#include <string.h>

/* the characters that can start "advisory", "set_config" or "U&" */
static const bool audit_scan_start[256] = {
	['a'] = true,['A'] = true,['s'] = true,['S'] = true,['u'] = true,['U'] = true
};

/*
 * Case-insensitive comparison of n bytes with a lowercase ASCII word, as
 * PostgreSQL's pg_strncasecmp folds case (ASCII letters, and high-bit
 * characters by the C library's tolower, which is how identifiers fold).
 */
static bool
word_matches(const char *s, const char *word, int n)
{
	for (int i = 0; i < n; i++)
	{
		unsigned char ch = (unsigned char) s[i];

		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		else if (ch >= 0x80 && isupper(ch))
			ch = (unsigned char) tolower(ch);
		if (ch != (unsigned char) word[i])
			return false;
	}
	return true;
}

bool
lg_audit_text_may_call(const char *text, int location, int len)
{
	const char *s;
	int			n;

	if (text == NULL)
		return true;
	if (location < 0)
	{
		location = 0;
		len = 0;
	}
	s = text + location;
	n = (len > 0) ? len : (int) strlen(s);

	/* a call's name comes before a "(": scan only up to the last one */
	{
		const char *paren = NULL;
		const char *p = s;
		const char *end = s + n;

		while (p < end && (p = memchr(p, '(', end - p)) != NULL)
			paren = p++;
		if (paren == NULL)
			return false;
		n = (int) (paren - s);
	}
	for (int i = 0; i + 1 < n; i++)
	{
		char		c;

		/* one load and one branch for almost every character */
		if (__builtin_expect(!audit_scan_start[(unsigned char) s[i]], 1))
			continue;
		c = s[i] | 0x20;
		/* a U&"..." identifier can spell any name with escapes */
		if (c == 'u' && s[i + 1] == '&')
			return true;
		if (c == 'a' && i + 8 <= n && (s[i + 1] | 0x20) == 'd' &&
			word_matches(s + i, "advisory", 8))
			return true;
		if (c == 's' && i + 10 <= n && s[i + 3] == '_' &&
			word_matches(s + i, "set_config", 10))
			return true;
	}
	return false;
}
