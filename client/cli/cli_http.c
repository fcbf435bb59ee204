/*-------------------------------------------------------------------------
 *
 * cli_http.c
 *	  A small HTTP server on libmicrohttpd for `lifeguard metrics --listen`:
 *	  one path, GET and HEAD, served in the calling thread until SIGINT or
 *	  SIGTERM.  What it serves comes from the caller's handler; this file
 *	  knows nothing of metrics or databases.
 *
 * One thread: libmicrohttpd runs without threads of its own (its epoll
 * descriptor is polled here, with a pipe the signal handler writes to),
 * so the handler runs in this thread, one request at a time, and whatever
 * it keeps (one database connection) is never shared.  The listening
 * socket is made here rather than by libmicrohttpd, so that a bad address
 * or a port in use is one clear line and an exit code, and so that an
 * explicit IPv6 address listens on IPv6 only while ":PORT" listens on
 * every address, IPv4 and IPv6.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

/* what the signal handler writes to: its signal number, one byte */
static int stop_pipe[2] = {-1, -1};

static void
on_stop(int signo)
{
	int			saved = errno;
	unsigned char b = (unsigned char) signo;
	ssize_t		r = write(stop_pipe[1], &b, 1);

	(void) r;
	errno = saved;
}

typedef struct server
{
	const char *path;
	const char *content_type;
	cli_http_handler handler;
	void	   *arg;
} server;

/* libmicrohttpd's own messages, one line each */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char		msg[512];
	size_t		len;

	(void) cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	cli_error("http: %s", msg);
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned int status, const char *type,
	  const char *body, size_t len, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *) body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

#define PLAIN "text/plain; charset=utf-8"

static enum MHD_Result
request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
		const char *version, const char *upload_data, size_t *upload_data_size,
		void **con_cls)
{
	const server *s = cls;
	lg_strbuf	body;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;
	char		msg[128];

	(void) version;
	(void) upload_data;
	(void) upload_data_size;
	(void) con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
	{
		snprintf(msg, sizeof(msg), "method not allowed: %s takes GET and HEAD\n", s->path);
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, PLAIN, msg, strlen(msg), "GET, HEAD");
	}
	if (strcmp(url, s->path) != 0)
	{
		snprintf(msg, sizeof(msg), "not found: the one path served is %s\n", s->path);
		return reply(c, MHD_HTTP_NOT_FOUND, PLAIN, msg, strlen(msg), NULL);
	}
	lg_strbuf_init(&body);
	s->handler(s->arg, &status, &body);
	if (body.oom)
	{
		lg_strbuf_free(&body);
		snprintf(msg, sizeof(msg), "out of memory\n");
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, PLAIN, msg, strlen(msg), NULL);
	}
	ret = reply(c, status, status == MHD_HTTP_OK ? s->content_type : PLAIN,
				body.len > 0 ? body.data : "", body.len, NULL);
	lg_strbuf_free(&body);
	return ret;
}

/* a socket listening on one address of ai; -1 and errno when it cannot */
static int
listen_on(const struct sockaddr *addr, socklen_t addrlen, bool v6only)
{
	int			fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int			on = 1;
	int			v6 = v6only ? 1 : 0;
	int			saved;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
		(addr->sa_family == AF_INET6 &&
		 setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof(v6)) != 0) ||
		bind(fd, addr, addrlen) != 0 || listen(fd, 64) != 0)
	{
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * The listening socket of address, and where it listens (numeric) into
 * where; or -1 after one line, *rc the exit code.
 */
static int
make_listener(const char *address, char *where, size_t size, int *rc)
{
	char		host[256];
	char		port[8];
	int			portnum;
	const char *why;
	char		q[LG_QUOTE_BUFSIZE];
	int			fd = -1;
	int			saved = 0;
	struct sockaddr_storage ss;
	socklen_t	sslen = sizeof(ss);
	char		h[NI_MAXHOST];
	char		p[NI_MAXSERV];

	if (!cli_address_parse(address, host, sizeof(host), &portnum, &why))
	{
		cli_error("invalid --listen \"%s\": %s; expected " CLI_ADDRESS_EXPECTED,
				  cli_quote(q, address), why);
		*rc = EXIT_USAGE;
		return -1;
	}
	snprintf(port, sizeof(port), "%d", portnum);
	if (host[0] == '\0')
	{
		/* every address: IPv6 and, through it, IPv4; IPv4 alone without IPv6 */
		struct sockaddr_in6 any6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t) portnum),
		.sin6_addr = IN6ADDR_ANY_INIT};
		struct sockaddr_in any4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t) portnum),
		.sin_addr.s_addr = htonl(INADDR_ANY)};

		fd = listen_on((struct sockaddr *) &any6, sizeof(any6), false);
		if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
			fd = listen_on((struct sockaddr *) &any4, sizeof(any4), false);
		saved = errno;
	}
	else
	{
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV};
		struct addrinfo *res;
		int			g = getaddrinfo(host, port, &hints, &res);

		if (g != 0)
		{
			cli_error("invalid --listen \"%s\": could not resolve host \"%s\": %s",
					  cli_quote(q, address), host, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
			*rc = EXIT_USAGE;
			return -1;
		}
		for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		{
			fd = listen_on(ai->ai_addr, ai->ai_addrlen, true);
			saved = errno;
		}
		freeaddrinfo(res);
	}
	if (fd < 0)
	{
		cli_error("could not listen on %s: %s", cli_quote(q, address), strerror(saved));
		*rc = EXIT_CHECK;
		return -1;
	}
	if (getsockname(fd, (struct sockaddr *) &ss, &sslen) == 0 &&
		getnameinfo((struct sockaddr *) &ss, sslen, h, sizeof(h), p, sizeof(p),
					NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(where, size, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
	else
		snprintf(where, size, "%s", address);
	return fd;
}

int
cli_http_serve(const char *address, const char *path, const char *content_type,
			   cli_http_handler handler, void *arg)
{
	server		s = {path, content_type, handler, arg};
	struct sigaction sa;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	char		where[NI_MAXHOST + NI_MAXSERV + 4];
	unsigned char signo = 0;
	int			fd;
	int			rc = EXIT_OK;

	if ((fd = make_listener(address, where, sizeof(where), &rc)) < 0)
		return rc;
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
	{
		cli_error("could not make a pipe: %s", strerror(errno));
		close(fd);
		return EXIT_CHECK;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	d = MHD_start_daemon(MHD_USE_ERROR_LOG | MHD_USE_EPOLL, 0, NULL, NULL, request, &s,
						 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
						 MHD_OPTION_LISTEN_SOCKET, fd,
						 MHD_OPTION_CONNECTION_LIMIT, (unsigned int) 16,
						 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 10,
						 MHD_OPTION_END);
	if (d == NULL || (info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD)) == NULL)
	{
		cli_error("could not start the HTTP server on %s", where);
		if (d)
			MHD_stop_daemon(d);
		else
			close(fd);
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		return EXIT_CHECK;
	}
	cli_error("serving http://%s%s until SIGINT or SIGTERM", where, path);

	while (signo == 0)
	{
		struct pollfd pfd[2] = {{info->epoll_fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
		MHD_UNSIGNED_LONG_LONG to;
		int			timeout = -1;

		if (MHD_get_timeout(d, &to) == MHD_YES)
			timeout = to > INT_MAX ? INT_MAX : (int) to;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
		{
			cli_error("poll failed: %s", strerror(errno));
			rc = EXIT_CHECK;
			break;
		}
		if (read(stop_pipe[0], &signo, 1) == 1)
			break;
		signo = 0;
		MHD_run(d);
	}
	MHD_stop_daemon(d);			/* closes the listening socket too */
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	if (signo != 0)
		cli_error("stopped by %s", signo == SIGINT ? "SIGINT" : "SIGTERM");
	return rc;
}
