/*-------------------------------------------------------------------------
 *
 * cmd_top.c
 *	  lifeguard top: a live terminal view of pool_usage and pool_headroom(),
 *	  drawn with ncurses.  One bar per application pool (database, role,
 *	  application_name; client addresses summed), largest first, refreshed
 *	  in place every --interval seconds; q quits.  When standard output is
 *	  not a terminal it prints one snapshot as plain text and exits.
 *
 * What a bar means: its full width is the pool's max.  For the pool of the
 * resolved configuration (same application_name) that is the configured
 * max (DATABASE_POOL_MAX or the profile's); for every other pool, whose
 * max lifeguard cannot know, it is what the pool could reach on this
 * server: its connections plus the server's available slots.  The bar
 * fills from the left with
 *	  #  active (running a statement)
 *	  W  active and waiting on a lock
 *	  T  idle in transaction (aborted or not)
 *	  -  idle
 *	  ?  other (starting, or a role whose activity we may not see)
 * and the rest of the width is '.'.  A pool above its max ends in '+'.
 * top's own connection is left out of the pools.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#define PLAIN_BAR_WIDTH 40

/* the scale of a pool's bar */
static int
pool_max(cli_db *db, const cli_pool_row *r, const cli_headroom *hr)
{
	if (strcmp(r->application_name, lg_config_application_name(db->config)) == 0)
		return lg_config_max(db->config);
	return r->connections + (hr->available > 0 ? hr->available : 0);
}

/*
 * The bar of a pool, width characters plus the terminator, in bar.  Segment
 * ends are placed by rounding the cumulative counts, so the segments never
 * overflow the width together.
 */
static void
make_bar(const cli_pool_row *r, int max, int width, char *bar)
{
	const int	counts[5] = {r->running, r->waiting,
		r->idle_in_transaction + r->idle_in_transaction_aborted, r->idle, r->other};
	const char	marks[5] = {'#', 'W', 'T', '-', '?'};
	int			cum = 0;
	int			pos = 0;

	if (max < 1)
		max = 1;
	for (int s = 0; s < 5; s++)
	{
		int			end;

		cum += counts[s];
		end = (int) (((long long) (cum > max ? max : cum) * width + max / 2) / max);
		if (counts[s] > 0 && end <= pos && pos < width)
			end = pos + 1;		/* a non-empty state is always visible */
		if (end > width)
			end = width;
		while (pos < end)
			bar[pos++] = marks[s];
	}
	while (pos < width)
		bar[pos++] = '.';
	if (r->connections > max)
		bar[width - 1] = '+';
	bar[width] = '\0';
}

static void
headroom_line(const cli_headroom *hr, char *buf, size_t size)
{
	snprintf(buf, size,
			 "server: %d connections in use, %d available to regular roles, max_connections %d (%.1f%% used)",
			 hr->in_use, hr->available, hr->max_connections, hr->utilization);
}

/* application, role@database, connections/max, bar, counts */
#define APP_W	24
#define OWNER_W 28
#define COUNTS_W 36				/* room kept for the counts after the bar */
#define BAR_X	(APP_W + 1 + OWNER_W + 1 + 11 + 1)
#define ROW_FMT "%-24.24s %-28.28s %5d/%-5d %s  run %d wait %d idle-tx %d idle %d%s"
#define HDR_FMT "%-24s %-28s %11s %s"

/*
 * A name for display: role and database names may hold any character, and
 * a control character (C0, DEL, or C1 in UTF-8) would move the cursor or
 * break the row; each becomes '?'.
 */
static void
display_name(const char *in, char *out, size_t size)
{
	size_t		o = 0;

	for (const unsigned char *p = (const unsigned char *) in; *p && o + 1 < size; p++)
	{
		if (*p < 0x20 || *p == 0x7f)
			out[o++] = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		{
			out[o++] = '?';
			p++;
		}
		else
			out[o++] = (char) *p;
	}
	out[o] = '\0';
}

static void
row_line(cli_db *db, const cli_pool_row *r, const cli_headroom *hr, int width,
		 char *buf, size_t size)
{
	char		bar[512];
	char		owner[160];
	char		role[64];
	char		database[64];
	char		app[64];
	int			max = pool_max(db, r, hr);

	make_bar(r, max, width, bar);
	display_name(r->role, role, sizeof(role));
	display_name(r->database, database, sizeof(database));
	display_name(r->application_name, app, sizeof(app));
	snprintf(owner, sizeof(owner), "%s@%s", role, database);
	snprintf(buf, size, ROW_FMT,
			 app[0] ? app : "(none)", owner,
			 r->connections, max, bar, r->running, r->waiting,
			 r->idle_in_transaction + r->idle_in_transaction_aborted, r->idle,
			 r->other > 0 ? (r->visible ? " other" : " (states hidden)") : "");
	if (r->other > 0 && r->visible)
	{
		size_t		len = strlen(buf);

		snprintf(buf + len, size - len, " %d", r->other);
	}
}

static int
snapshot_plain(cli_db *db)
{
	cli_pool_row *rows;
	int			nrows;
	cli_headroom hr;
	char		line[1024];
	int			rc;
	char		bar_hdr[PLAIN_BAR_WIDTH + 1];

	if ((rc = cli_pool_snapshot(db, &rows, &nrows, &hr)) != EXIT_OK)
		return rc;
	headroom_line(&hr, line, sizeof(line));
	printf("%s\n", line);
	printf("bars: # active, W waiting on a lock, T idle in transaction, - idle, ? other, . free\n\n");
	snprintf(bar_hdr, sizeof(bar_hdr), "%-*s", PLAIN_BAR_WIDTH, "POOL (full width = max)");
	printf(HDR_FMT "\n", "APPLICATION", "ROLE@DATABASE", "CONN/MAX", bar_hdr);
	for (int i = 0; i < nrows; i++)
	{
		row_line(db, &rows[i], &hr, PLAIN_BAR_WIDTH, line, sizeof(line));
		printf("%s\n", line);
	}
	if (nrows == 0)
		printf("(no client connections besides this one)\n");
	free(rows);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_CHECK;
}

/* colour pairs of the bar marks */
enum
{
	PAIR_ACTIVE = 1, PAIR_WAITING, PAIR_IDLE_TX, PAIR_IDLE, PAIR_OTHER, PAIR_HEAD
};

static void
draw_bar_colours(int y, int x, const char *bar)
{
	for (int i = 0; bar[i]; i++)
	{
		int			pair = 0;

		switch (bar[i])
		{
			case '#':
				pair = PAIR_ACTIVE;
				break;
			case 'W':
			case '+':
				pair = PAIR_WAITING;
				break;
			case 'T':
				pair = PAIR_IDLE_TX;
				break;
			case '-':
				pair = PAIR_IDLE;
				break;
			case '?':
				pair = PAIR_OTHER;
				break;
		}
		if (pair)
			mvaddch(y, x + i, (chtype) bar[i] | COLOR_PAIR(pair) | A_BOLD);
	}
}

static int
draw(cli_db *db, int interval)
{
	cli_pool_row *rows;
	int			nrows;
	cli_headroom hr;
	char		line[1024];
	char		stamp[16];
	time_t		t = time(NULL);
	struct tm	tm;
	int			rows_avail;
	int			barw;
	int			rc;

	if ((rc = cli_pool_snapshot(db, &rows, &nrows, &hr)) != EXIT_OK)
		return rc;
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);

	/* the bar gets what the fixed columns leave, 10 to 200 characters */
	barw = COLS - BAR_X - COUNTS_W;
	if (barw < 10)
		barw = 10;
	if (barw > 200)
		barw = 200;

	erase();
	/* every line is cut at the terminal's width rather than wrapped */
	snprintf(line, sizeof(line), "lifeguard top%s  %s  every %ds  q quits  %s",
			 strcmp(db->edition, "portable") == 0 ? " (portable edition)" : "", db->url, interval, stamp);
	attron(A_BOLD);
	mvaddnstr(0, 0, line, COLS);
	attroff(A_BOLD);
	headroom_line(&hr, line, sizeof(line));
	mvaddnstr(1, 0, line, COLS);
	mvaddnstr(2, 0, "bars: # active, W waiting on a lock, T idle in transaction, - idle, ? other, . free", COLS);
	attron(A_REVERSE);
	snprintf(line, sizeof(line), HDR_FMT, "APPLICATION", "ROLE@DATABASE", "CONN/MAX", "POOL (full width = max)");
	mvprintw(4, 0, "%-*.*s", COLS, COLS, line);
	attroff(A_REVERSE);

	rows_avail = LINES - 5;
	for (int i = 0; i < nrows && i < rows_avail; i++)
	{
		char		bar[512];
		int			y = 5 + i;

		if (i == rows_avail - 1 && nrows > rows_avail)
		{
			snprintf(line, sizeof(line), "... %d more pools", nrows - i);
			mvaddnstr(y, 0, line, COLS);
			break;
		}
		row_line(db, &rows[i], &hr, barw, line, sizeof(line));
		mvaddnstr(y, 0, line, COLS);
		make_bar(&rows[i], pool_max(db, &rows[i], &hr), barw, bar);
		if (has_colors() && BAR_X + barw <= COLS)
			draw_bar_colours(y, BAR_X, bar);
	}
	if (nrows == 0)
		mvaddstr(5, 0, "(no client connections besides this one)");
	free(rows);
	refresh();
	return EXIT_OK;
}

static int
live(cli_db *db, int interval)
{
	int			rc = EXIT_OK;

	if (initscr() == NULL)
	{
		cli_error("could not initialise the terminal");
		return EXIT_CHECK;
	}
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	if (has_colors())
	{
		start_color();
		use_default_colors();
		init_pair(PAIR_ACTIVE, COLOR_GREEN, -1);
		init_pair(PAIR_WAITING, COLOR_RED, -1);
		init_pair(PAIR_IDLE_TX, COLOR_YELLOW, -1);
		init_pair(PAIR_IDLE, COLOR_CYAN, -1);
		init_pair(PAIR_OTHER, COLOR_MAGENTA, -1);
	}
	for (;;)
	{
		time_t		next;
		int			ch;

		rc = draw(db, interval);
		if (rc != EXIT_OK)
			break;
		next = time(NULL) + interval;
		ch = ERR;
		/* wait for a key until the next refresh; a resize redraws at once */
		while (time(NULL) < next)
		{
			timeout((int) (next - time(NULL)) * 1000);
			ch = getch();
			if (ch == 'q' || ch == 'Q' || ch == KEY_RESIZE)
				break;
		}
		if (ch == 'q' || ch == 'Q')
			break;
	}
	endwin();
	return rc;
}

int
cmd_top(const cli_args *args, cli_db *db)
{
	return isatty(STDOUT_FILENO) ? live(db, cli_number(args, TOP_INTERVAL)) : snapshot_plain(db);
}
