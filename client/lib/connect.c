/*-------------------------------------------------------------------------
 *
 * connect.c
 *	  Opening one libpq connection within a deadline measured in
 *	  milliseconds, and running a command on a connection within one.
 *
 * libpq's connect_timeout counts whole seconds and treats anything below 2
 * as 2; a pool that promises a 1500 ms connection timeout cannot use it.
 * So the connection is started with PQconnectStartParams and driven with
 * PQconnectPoll, waiting on its socket with poll() for no longer than what
 * is left of the deadline.  (Host name resolution inside libpq is still a
 * blocking call.)
 *
 * No shared state: each call works on its own connection.
 *
 *-------------------------------------------------------------------------
 */
#include "lg_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "host:port" of the connection attempt, for messages */
static void
describe_target(PGconn *conn, const lg_config *c, char *buf, size_t size)
{
	const char *host = conn ? PQhost(conn) : NULL;
	const char *port = conn ? PQport(conn) : NULL;

	if (host == NULL || host[0] == '\0')
		host = c->host ? c->host : "(default host)";
	if (port == NULL || port[0] == '\0')
		snprintf(buf, size, "%s:%d", host, c->port);
	else
		snprintf(buf, size, "%s:%s", host, port);
}

PGconn *
lg_connect(const lg_config *c, int64_t deadline_ms, lg_error *err)
{
	PGconn	   *conn;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	char		target[300];
	char		msg[LG_ERROR_MESSAGE_SIZE];

	conn = PQconnectStartParams(c->keywords, c->values, 0);
	if (conn == NULL)
	{
		lg_fail(err, LG_ERR_INTERNAL, "could not connect: out of memory");
		return NULL;
	}
	if (PQstatus(conn) == CONNECTION_BAD)
		goto failed;

	for (;;)
	{
		struct pollfd pfd;
		int64_t		left;
		int			rc;

		if (st == PGRES_POLLING_OK)
			return conn;
		if (st == PGRES_POLLING_FAILED)
			goto failed;
		left = deadline_ms - lg_mono_ms();
		if (left <= 0)
			break;
		pfd.fd = PQsocket(conn);
		pfd.events = (st == PGRES_POLLING_READING) ? POLLIN : POLLOUT;
		pfd.revents = 0;
		if (pfd.fd < 0)
			goto failed;
		rc = poll(&pfd, 1, (int) left);
		if (rc < 0)
		{
			if (errno == EINTR)
				continue;
			snprintf(msg, sizeof(msg), "poll() failed: %s", strerror(errno));
			describe_target(conn, c, target, sizeof(target));
			PQfinish(conn);
			lg_fail(err, LG_ERR_CONNECT, "could not connect to %s: %s", target, msg);
			return NULL;
		}
		if (rc == 0)
			break;
		st = PQconnectPoll(conn);
	}

	describe_target(conn, c, target, sizeof(target));
	PQfinish(conn);
	lg_fail(err, LG_ERR_CONNECT,
			"could not connect to %s: no answer within the connection timeout of %d ms",
			target, c->connect_timeout_ms);
	return NULL;

failed:
	{
		/*
		 * libpq's message, whole (a multi-host attempt gives one reason per
		 * host, the last at the end), with every secret of the config
		 * hidden; lg_fail shortens it in the middle.
		 */
		const char *pqmsg = PQerrorMessage(conn);
		size_t		size = 4 * strlen(pqmsg) + 64;
		char	   *full = malloc(size);

		if (full == NULL)
		{
			PQfinish(conn);
			lg_fail(err, LG_ERR_INTERNAL, "could not connect: out of memory");
			return NULL;
		}
		snprintf(full, size, "%s", pqmsg);
		PQfinish(conn);
		lg_one_line(full);
		lg_config_redact(c, full, size);
		lg_fail(err, LG_ERR_CONNECT, "could not connect: %s", full);
		explicit_bzero(full, size);
		free(full);
	}
	return NULL;
}
