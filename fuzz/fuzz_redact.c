/*-------------------------------------------------------------------------
 *
 * fuzz_redact.c
 *	  libFuzzer harness: no secret in any output of configuration
 *	  resolution.  Each input becomes a connection string with a known
 *	  secret in a secret slot (a password or sslpassword of key=value, a
 *	  misspelled password key, the user info of a URI, with a raw '@' or
 *	  not, an sslpassword query parameter, the user info of another
 *	  scheme), the rest of the string coming from the fuzzer.  Whether
 *	  resolution succeeds or fails, the secret must not appear in its
 *	  error, in the redacted URL or conninfo, or in any displayed field.
 *
 * The fuzzer's parts are cleaned of the letter Q (and of %51/%71, its
 * percent-encoding) so that the secret, which is made of Qs, can come
 * from nowhere else; and of quotes and backslashes, so that a slot stays
 * a slot.  No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET	"QQsecretQQ"	/* no lowercase q, no Q elsewhere */
#define SECRET_AT "QQsec@retQQ"

/* the fuzzer's bytes, cleaned; drop is the extra set of bytes to drop */
static char *
clean(const uint8_t *p, size_t n, const char *drop)
{
	char	   *out = malloc(n + 2);
	size_t		o = 0;

	for (size_t i = 0; i < n; i++)
	{
		char		ch = (char) p[i];

		if (ch == '\0' || ch == 'Q' || ch == 'q' || ch == '\'' || ch == '\\' ||
			strchr(drop, ch) != NULL)
			continue;
		/*
		 * A '%' before a 5 or 7 of the cleaned text could spell %51 or %71,
		 * so it becomes an x; the test is on what was kept, since a dropped
		 * byte between them would join them.
		 */
		if ((ch == '5' || ch == '7') && o > 0 && out[o - 1] == '%')
			out[o - 1] = 'x';
		out[o++] = ch;
	}
	out[o] = '\0';
	return out;
}

/* a key=value prefix must not end in '=' (the slot would become a value) */
static void
no_trailing_equals(char *s)
{
	size_t		len = strlen(s);

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
					   s[len - 1] == '\n' || s[len - 1] == '\r' ||
					   s[len - 1] == '\f' || s[len - 1] == '\v'))
		len--;
	if (len > 0 && s[len - 1] == '=')
		strcat(s, "x");
}

static void
check(const char *what, const char *text, const char *input)
{
	if (text == NULL)
		return;
	/* Q comes only from the secret: any Q is a piece of it */
	if (strchr(text, 'Q') != NULL)
	{
		fprintf(stderr, "secret in %s: [%s]\ninput: [%s]\n", what, text, input);
		abort();
	}
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep;
	size_t		alen;
	char	   *a;
	char	   *b;
	char	   *str;
	size_t		len;
	int			mode;
	const char *env[2];
	lg_config  *c = NULL;
	lg_error	err;

	if (size < 1 || size > 4096)
		return 0;
	mode = data[0] % 7;
	data++;
	size--;
	sep = memchr(data, 0xff, size);
	alen = sep ? (size_t) (sep - data) : size;
	if (mode >= 3)				/* URI parts: a is the user, or the authority */
		a = clean(data, alen, mode == 5 ? "?#@&" : "@/?#:");
	else
		a = clean(data, alen, "");
	b = clean(sep ? sep + 1 : data + size, sep ? size - alen - 1 : 0,
			  mode == 5 ? "@" : "");
	len = strlen(a) + strlen(b) + 128;
	str = malloc(len);
	switch (mode)
	{
		case 0:
		case 1:
		case 2:
			no_trailing_equals(a);
			/* a leading space: never a URI, so the slot stays a slot */
			snprintf(str, len, "DATABASE_URL= %s %s=%s %s", a,
					 mode == 0 ? "password" : mode == 1 ? "sslpassword" : "Passwd",
					 SECRET, b);
			break;
		case 3:
			snprintf(str, len, "DATABASE_URL=postgresql://%s:%s@%s", a, SECRET, b);
			break;
		case 4:
			snprintf(str, len, "DATABASE_URL=postgresql://%s:%s@%s", a, SECRET_AT, b);
			break;
		case 5:
			snprintf(str, len, "DATABASE_URL=postgresql://%s?x=1&sslpassword=%s&%s", a, SECRET, b);
			break;
		default:
			{
				/* another scheme: a's leading letters, else mysql */
				size_t		sl = strspn(a, "abcdefghijklmnoprstuvwxyz");

				snprintf(str, len, "DATABASE_URL=%.*s://u:%s@%s",
						 sl > 0 ? (int) (sl > 12 ? 12 : sl) : 5, sl > 0 ? a : "mysql",
						 SECRET, b);
				break;
			}
	}
	env[0] = str;
	env[1] = NULL;
	if (lg_config_resolve(env, 0, &c, &err) != LG_OK)
		check("the error", err.message, str);
	else
	{
		char		buf[8192];
		char		msg[256];

		lg_config_format_url(c, false, buf, sizeof(buf));
		check("format_url", buf, str);
		lg_config_format_conninfo(c, false, buf, sizeof(buf));
		check("format_conninfo", buf, str);
		check("host", lg_config_host(c), str);
		check("user", lg_config_user(c), str);
		check("database", lg_config_database(c), str);
		check("application_name", lg_config_application_name(c), str);
		check("sslmode", lg_config_sslmode(c), str);
		/* a message quoting the secret is scrubbed, when the config holds it */
		if (lg_config_password(c) != NULL && strcmp(lg_config_password(c), SECRET) == 0)
		{
			snprintf(msg, sizeof(msg), "server said: %s!", SECRET);
			lg_config_redact(c, msg, sizeof(msg));
			check("lg_config_redact", msg, str);
		}
		lg_config_free(c);
	}
	free(str);
	free(a);
	free(b);
	return 0;
}
