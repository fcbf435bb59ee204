/*-------------------------------------------------------------------------
 *
 * encoding.c
 *	  Text that one database recorded in shared memory (a statement sample,
 *	  an application_name) made readable by a session of any database and
 *	  any client encoding.
 *
 * Shared tables are shared by every database, and keep the bytes as the
 * recording backend had them, with that database's encoding.  A reader
 * converts them, first to its client's encoding and then to its
 * database's, which gives text valid in its database that the server can
 * send to its client.  Nothing here is shared; it calls no other file of
 * the extension.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"

#include "encoding.h"

/*
 * \xNN for each byte of the character at s (len bytes left) in encoding
 * enc; returns the bytes consumed.
 */
static int
escape_char(StringInfo out, const char *s, int len, int enc)
{
	int			n = Min(pg_encoding_mblen(enc, s), len);

	for (int i = 0; i < n; i++)
		appendStringInfo(out, "\\x%02x", (unsigned char) s[i]);
	return n;
}

/*
 * s (of encoding src_enc) as text of encoding dst_enc, never failing: a
 * character without an equivalent in dst_enc, or, from SQL_ASCII (whose
 * bytes have no known encoding), a byte not valid in dst_enc, becomes \xNN
 * per byte.  To SQL_ASCII, and between equal encodings, s is returned
 * as it is.  PostgreSQL 14's noError conversion stops at the first
 * character it cannot convert instead of raising.
 */
static char *
convert(const char *s, int src_enc, int dst_enc)
{
	int			len = (int) strlen(s);
	StringInfoData out;
	Oid			proc;

	if (src_enc == dst_enc || dst_enc == PG_SQL_ASCII)
		return pstrdup(s);
	initStringInfo(&out);
	proc = (src_enc == PG_SQL_ASCII) ? InvalidOid
		: FindDefaultConversionProc(src_enc, dst_enc);
	if (!OidIsValid(proc))
	{
		/* keep what is valid in dst_enc (ASCII at least), escape the rest */
		while (len > 0)
		{
			int			n = IS_HIGHBIT_SET(*s) ? -1 : 1;

			if (n < 0 && src_enc == PG_SQL_ASCII)
				n = pg_encoding_verifymbchar(dst_enc, s, len);
			if (n > 0)
				appendBinaryStringInfo(&out, s, n);
			else
				n = escape_char(&out, s, len, src_enc);
			s += n;
			len -= n;
		}
	}
	else
	{
		int			bufsize = len * MAX_CONVERSION_GROWTH + 1;
		unsigned char *buf = palloc(bufsize);

		while (len > 0)
		{
			int			done = pg_do_encoding_conversion_buf(proc, src_enc, dst_enc,
															 (unsigned char *) s, len,
															 buf, bufsize, true);

			appendStringInfoString(&out, (char *) buf);
			s += done;
			len -= done;
			if (len > 0)
			{
				int			n = escape_char(&out, s, len, src_enc);

				s += n;
				len -= n;
			}
		}
		pfree(buf);
	}
	return out.data;
}

char *
lg_text_for_reader(const char *s, int src_enc)
{
	int			client_enc = pg_get_client_encoding();

	if (client_enc != PG_SQL_ASCII && client_enc != src_enc)
	{
		s = convert(s, src_enc, client_enc);
		src_enc = client_enc;
	}
	return convert(s, src_enc, GetDatabaseEncoding());
}
