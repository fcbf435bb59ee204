/*-------------------------------------------------------------------------
 *
 * appname.c
 *	  lg_appname_base(): an application_name without the " - host:port"
 *	  suffix that PgBouncer's application_name_add_host appends (the
 *	  forms are listed in appname.h, as PgBouncer's pga_details() writes
 *	  them in every release since 1.18).
 *
 * Plain C with no PostgreSQL dependency (see appname.h); a pure
 * function, no shared state.  fuzz/fuzz_appname.c checks it against a
 * regular expression of the same forms.
 *
 *-------------------------------------------------------------------------
 */
#include "appname.h"

#include <stdbool.h>
#include <string.h>

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* s[*i..] starts with min to max digits: skip them */
static bool
skip_digits(const char *s, size_t n, size_t *i, int min, int max)
{
	int			k = 0;

	while (*i < n && is_digit(s[*i]) && k < max)
	{
		(*i)++;
		k++;
	}
	return k >= min;
}

/* ":PORT" (1 to 5 digits) and nothing after it */
static bool
is_port_end(const char *s, size_t n, size_t i)
{
	if (i >= n || s[i] != ':')
		return false;
	i++;
	return skip_digits(s, n, &i, 1, 5) && i == n;
}

/* A.B.C.D:PORT */
static bool
is_ipv4(const char *s, size_t n)
{
	size_t		i = 0;

	for (int part = 0; part < 4; part++)
	{
		if (part > 0)
		{
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
		if (!skip_digits(s, n, &i, 1, 3))
			return false;
	}
	return is_port_end(s, n, i);
}

/* [ADDR]:PORT, ADDR hexadecimal digits, ':' and '.' with a %zone */
static bool
is_ipv6(const char *s, size_t n)
{
	size_t		i = 1;

	if (n < 4 || s[0] != '[')
		return false;
	while (i < n && s[i] != ']')
	{
		char		c = s[i];

		if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  c == ':' || c == '.' || c == '%' || c == '-' || c == '_'))
			return false;
		i++;
	}
	if (i >= n || i == 1)
		return false;
	return is_port_end(s, n, i + 1);
}

/* unix:PORT or unix(PID@HOST):PORT */
static bool
is_unix(const char *s, size_t n)
{
	size_t		i = 4;

	if (n < 6 || memcmp(s, "unix", 4) != 0)
		return false;
	if (s[i] == '(')
	{
		i++;
		if (!skip_digits(s, n, &i, 1, 20) || i >= n || s[i] != '@')
			return false;
		while (i < n && s[i] != ')')
			i++;
		if (i >= n)
			return false;
		i++;
	}
	return is_port_end(s, n, i);
}

size_t
lg_appname_base_len(const char *name, size_t len)
{
	size_t		i;

	if (name == NULL || len < 3)
		return name == NULL ? 0 : len;
	/* the last " - " */
	for (i = len - 3 + 1; i-- > 0;)
	{
		if (name[i] == ' ' && name[i + 1] == '-' && name[i + 2] == ' ')
		{
			const char *addr = name + i + 3;
			size_t		n = len - i - 3;

			if (is_ipv4(addr, n) || is_ipv6(addr, n) || is_unix(addr, n))
				return i;
			return len;
		}
	}
	return len;
}

char *
lg_appname_base(const char *name, char *out, size_t outsize)
{
	size_t		n = name ? lg_appname_base_len(name, strlen(name)) : 0;

	if (n > outsize - 1)
		n = outsize - 1;
	if (n > 0)
		memcpy(out, name, n);
	out[n] = '\0';
	return out;
}
