/*-------------------------------------------------------------------------
 *
 * gen_hazards.c
 *	  Build-time generator of the portable edition's hazard texts, so that
 *	  they come from the one table in common/hazards.c and are never copied.
 *	  sql/portable/build.sh compiles it with common/hazards.c into a
 *	  temporary directory and runs it:
 *
 *	  gen_hazards function
 *		prints the statement that creates pooling_hazard_texts(), the
 *		portable twin of the C function lifeguard_hazard_texts (the same
 *		rows: detail NULL where the hazard's detail is a format or absent);
 *	  gen_hazards placeholders
 *		prints NAME<TAB>SQL-LITERAL lines that build.sh puts in place of
 *		@NAME@: tracked_parameters_default, and the details that are
 *		formats (set_state_detail, advisory_lock_state_detail,
 *		temp_object_state_detail) rewritten for SQL's format(), whose only
 *		conversion they then use is %s, and quote_max (LG_QUOTE_MAX of
 *		common/quote.h, the bytes of a bad value a message quotes).
 *
 * A plain command-line program; no shared state, no locking.
 *
 *-------------------------------------------------------------------------
 */
#include "hazards.h"
#include "quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
fail(const char *what, const char *text)
{
	fprintf(stderr, "gen_hazards: %s: %s\n", what, text);
	exit(1);
}

/* print s as an SQL string literal (standard_conforming_strings) */
static void
put_literal(const char *s)
{
	if (s == NULL)
	{
		fputs("NULL::text", stdout);
		return;
	}
	if (strstr(s, "$$") != NULL || strstr(s, "$lg$") != NULL)
		fail("a text contains a dollar quote", s);
	putchar('\'');
	for (; *s; s++)
	{
		if (*s == '\'')
			putchar('\'');
		putchar(*s);
	}
	putchar('\'');
}

/* fail unless the format's only conversions are %s and %% */
static void
check_sql_format(const char *fmt)
{
	for (const char *p = strchr(fmt, '%'); p != NULL; p = strchr(p + 2, '%'))
	{
		if (p[1] != 's' && p[1] != '%')
			fail("a format has a conversion SQL's format() lacks", fmt);
	}
}

static void
put_placeholder(const char *name, const char *value)
{
	printf("%s\t", name);
	put_literal(value);
	putchar('\n');
}

/*
 * The advisory-lock detail says how many times the lock is held; the
 * portable edition cannot count (pg_locks shows a lock once), so its
 * format leaves that part, " (%lld time%s)", out.
 */
static char *
advisory_format_without_count(const char *fmt)
{
	const char *count = " (%lld time%s)";
	const char *at = strstr(fmt, count);
	char	   *out;

	if (at == NULL)
		fail("the advisory_lock detail has no count part to leave out", fmt);
	out = malloc(strlen(fmt) + 1);
	if (out == NULL)
		fail("out of memory", "");
	memcpy(out, fmt, at - fmt);
	strcpy(out + (at - fmt), at + strlen(count));
	return out;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "function") == 0)
	{
		puts("CREATE FUNCTION pooling_hazard_texts(OUT hazard text, OUT hint text, OUT detail text)");
		puts("RETURNS SETOF record");
		puts("LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE");
		puts("AS $$");
		for (int h = 0; h < AUDIT_NUM_HAZARDS; h++)
		{
			const lg_hazard_text *t = &lg_hazard_texts[h];
			const char *detail = t->state_detail;

			/* as lifeguard_hazard_texts: formats need values, given elsewhere */
			if (detail != NULL && strchr(detail, '%') != NULL)
				detail = NULL;
			fputs(h == 0 ? "\tVALUES (" : "\t     , (", stdout);
			put_literal(t->name);
			fputs(h == 0 ? "::text, " : ", ", stdout);
			put_literal(t->hint);
			fputs(h == 0 ? "::text, " : ", ", stdout);
			put_literal(detail);
			fputs(h == 0 && detail != NULL ? "::text)\n" : ")\n", stdout);
		}
		puts("$$;");
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "placeholders") == 0)
	{
		const char *set = lg_hazard_texts[AUDIT_HAZARD_SET].state_detail;
		char	   *advisory =
			advisory_format_without_count(lg_hazard_texts[AUDIT_HAZARD_ADVISORY_LOCK].state_detail);

		check_sql_format(set);
		check_sql_format(advisory);
		check_sql_format(lg_temp_object_state_detail);
		put_placeholder("tracked_parameters_default", LG_TRACKED_PARAMETERS_DEFAULT);
		put_placeholder("set_state_detail", set);
		put_placeholder("advisory_lock_state_detail", advisory);
		put_placeholder("temp_object_state_detail", lg_temp_object_state_detail);
		printf("quote_max\t%d\n", LG_QUOTE_MAX);
		free(advisory);
		return 0;
	}
	fprintf(stderr, "usage: gen_hazards function | placeholders\n");
	return 2;
}
