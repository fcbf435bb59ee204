/*-------------------------------------------------------------------------
 *
 * encoding.h
 *	  Text recorded in one database's encoding, made readable in another
 *	  (encoding.c).  Calls no other file of the extension.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_ENCODING_H
#define LG_ENCODING_H

/*
 * s, recorded in a database of encoding src_enc, as text valid in the
 * current database that the server can send to the current client
 * (palloc'd).  Never fails: what cannot be converted appears as \xNN.
 */
extern char *lg_text_for_reader(const char *s, int src_enc);

#endif							/* LG_ENCODING_H */
