/*-------------------------------------------------------------------------
 *
 * fuzz_config.c
 *	  libFuzzer harness for configuration resolution: the input is an
 *	  environment (NUL-separated NAME=VALUE entries; the first byte picks
 *	  --direct) given to lg_config_resolve.  On success every output of the
 *	  config is formatted (both ways), the config is copied as the pool
 *	  does, and the copy must format the same; on failure the message must
 *	  be one line.  ASan, UBSan and LeakSanitizer report the rest.
 *
 * No shared state.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_input.h"
#include "lg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
count_param(const char *keyword, const char *value, void *arg)
{
	if (keyword == NULL || value == NULL)
		abort();
	(*(int *) arg)++;
}

static char *
formatted(size_t (*fn) (const lg_config *, bool, char *, size_t),
		  const lg_config *c, bool show)
{
	size_t		need = fn(c, show, NULL, 0);
	char	   *buf = malloc(need + 1);

	if (fn(c, show, buf, need + 1) != need || strlen(buf) != need)
		abort();
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text;
	const char *env[17];
	int			n = 0;
	lg_config  *c = NULL;
	lg_error	err;
	int			options;

	if (size < 1 || size > 8192)
		return 0;
	options = (data[0] & 1) ? LG_CONFIG_DIRECT : 0;
	text = fuzz_cstring(data + 1, size - 1);
	if (text == NULL)
		return 0;
	for (char *p = text; n < 16 && p < text + size - 1; p += strlen(p) + 1)
		if (*p)
			env[n++] = p;
	env[n] = NULL;

	if (lg_config_resolve(env, options, &c, &err) != LG_OK)
	{
		if (err.status == LG_OK || strchr(err.message, '\n') != NULL ||
			strlen(err.message) >= sizeof(err.message))
			abort();
	}
	else
	{
		lg_config  *d = lg_config_dup(c);
		char	   *u1 = formatted(lg_config_format_url, c, false);
		char	   *u2 = formatted(lg_config_format_url, c, true);
		char	   *k1 = formatted(lg_config_format_conninfo, c, false);
		char	   *k2 = formatted(lg_config_format_conninfo, c, true);
		char	   *du = formatted(lg_config_format_url, d, true);
		char	   *dk = formatted(lg_config_format_conninfo, d, true);
		int			params = 0;

		if (strcmp(u2, du) != 0 || strcmp(k2, dk) != 0)
			abort();
		lg_config_foreach_param(c, count_param, &params);
		if (params == 0 || lg_config_max(c) < 1 || lg_config_port(c) < 1 ||
			lg_config_application_name(c) == NULL || lg_config_sslmode(c) == NULL)
			abort();
		/* a password is always shown redacted, never left out silently */
		if (lg_config_has_password(c) && strstr(u1, "****") == NULL)
			abort();
		/*
		 * the connection string shown reads back as the same one (one whose
		 * every value is empty is shown empty, which is not a string to set)
		 */
		if (u2[0] != '\0')
		{
			char	   *again = malloc(strlen(u2) + 16);
			const char *env2[2] = {again, NULL};
			lg_config  *r = NULL;

			sprintf(again, "DATABASE_URL=%s", u2);
			if (lg_config_resolve(env2, options, &r, &err) != LG_OK)
			{
				fprintf(stderr, "shown: [%s]\nrefused: %s\n", u2, err.message);
				abort();
			}
			{
				char	   *ru = formatted(lg_config_format_url, r, true);

				if (strcmp(ru, u2) != 0)
				{
					fprintf(stderr, "shown: [%s]\nread back: [%s]\n", u2, ru);
					abort();
				}
				free(ru);
			}
			lg_config_free(r);
			free(again);
		}
		free(u1);
		free(u2);
		free(k1);
		free(k2);
		free(du);
		free(dk);
		lg_config_free(d);
		lg_config_free(c);
	}
	free(text);
	return 0;
}
