/*-------------------------------------------------------------------------
 *
 * params.c
 *	  Arrays of libpq connection parameters (lg_param): what a connection
 *	  string says, and what libpq gets.  Values may be secrets (password,
 *	  sslpassword): every value is wiped before it is freed or replaced.
 *
 * No shared state: an array belongs to the config that holds it.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <stdlib.h>
#include <string.h>

/* free a string that may hold a secret, wiping it first */
void
lg_wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

const char *
lg_param_get(const lg_param *params, int n, const char *keyword)
{
	for (int i = 0; i < n; i++)
		if (strcmp(params[i].keyword, keyword) == 0)
			return params[i].value;
	return NULL;
}

/* Set or add keyword in a malloc'd params array. */
bool
lg_params_set(lg_param **params, int *n, const char *keyword, const char *value)
{
	lg_param   *np;

	for (int i = 0; i < *n; i++)
		if (strcmp((*params)[i].keyword, keyword) == 0)
		{
			char	   *v = strdup(value);

			if (v == NULL)
				return false;
			lg_wipe_free((*params)[i].value);
			(*params)[i].value = v;
			return true;
		}
	np = realloc(*params, sizeof(lg_param) * (size_t) (*n + 1));
	if (np == NULL)
		return false;
	*params = np;
	np[*n].keyword = strdup(keyword);
	np[*n].value = strdup(value);
	if (np[*n].keyword == NULL || np[*n].value == NULL)
	{
		free(np[*n].keyword);
		lg_wipe_free(np[*n].value);
		return false;
	}
	(*n)++;
	return true;
}

/* every value is wiped before it is freed: some are secrets */
void
lg_params_free(lg_param *params, int n)
{
	if (params == NULL)
		return;
	for (int i = 0; i < n; i++)
	{
		free(params[i].keyword);
		lg_wipe_free(params[i].value);
	}
	free(params);
}

lg_param *
lg_params_dup(const lg_param *src, int n)
{
	lg_param   *dst = calloc((size_t) (n > 0 ? n : 1), sizeof(lg_param));

	if (dst == NULL)
		return NULL;
	for (int i = 0; i < n; i++)
	{
		dst[i].keyword = strdup(src[i].keyword);
		dst[i].value = strdup(src[i].value);
		if (dst[i].keyword == NULL || dst[i].value == NULL)
		{
			lg_params_free(dst, i + 1);
			return NULL;
		}
	}
	return dst;
}

/* Remove keyword from a params array, when there. */
void
lg_params_remove(lg_param *params, int *n, const char *keyword)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(params[i].keyword, keyword) == 0)
		{
			free(params[i].keyword);
			lg_wipe_free(params[i].value);
			params[i] = params[--*n];
			return;
		}
}
