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
 * Beside each bar, from pool_stats (docs/pool-stats.md) since its last
 * reset: the most connections the application had at once and when, and
 * the connections the server refused it; an application refused but not
 * connected now gets a row of its own, after the pools.  A pool's row of
 * pool_stats is that of its database, role and application_name without
 * PgBouncer's " - host:port".  Where there are no connection statistics
 * (the portable edition, without preloading) a line says what they need
 * and those columns are "-".
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "appname.h"

#define PLAIN_BAR_WIDTH 40

/* a row on screen: a pool of pool_usage, and its row of pool_stats */
typedef struct top_row
{
	cli_pool_row pool;			/* all zero for an application only refused */
	const cli_stats_row *stats; /* NULL: none (or no statistics) */
} top_row;

/* what one refresh shows */
typedef struct top_view
{
	cli_headroom hr;
	cli_stats_info info;
	cli_stats	stats;
	top_row    *rows;
	int			nrows;
	int			npools;			/* the first npools rows are pools */
	long long	refused[CLI_REFUSED_NUM];	/* over the visible rows */
	double		last_refused_at;
} top_view;

static void
view_free(top_view *v)
{
	free(v->rows);
	cli_stats_free(&v->stats);
}

/* the pool_stats row of a pool, or NULL */
static const cli_stats_row *
stats_of(const cli_stats *st, const cli_pool_row *p)
{
	char		base[64];

	lg_appname_base(p->application_name, base, sizeof(base));
	for (int i = 0; i < st->nrows; i++)
	{
		const cli_stats_row *r = &st->rows[i];

		if (!r->overflow && strcmp(r->application_name, base) == 0 &&
			strcmp(r->role, p->role) == 0 && strcmp(r->database, p->database) == 0)
			return r;
	}
	return NULL;
}

/* pools, headroom and statistics; the exit code */
static int
view_read(cli_db *db, top_view *v)
{
	cli_pool_row *pools;
	int			npools;
	int			rc;

	memset(v, 0, sizeof(*v));
	v->last_refused_at = NAN;
	if ((rc = cli_pool_snapshot(db, &pools, &npools, &v->hr)) != EXIT_OK)
		return rc;
	if ((rc = cli_stats_info_read(db, &v->info)) != EXIT_OK ||
		(v->info.available && (rc = cli_stats_read(db, &v->stats)) != EXIT_OK))
	{
		free(pools);
		return rc;
	}
	v->rows = calloc((size_t) npools + (size_t) v->stats.nrows + 1, sizeof(top_row));
	if (v->rows == NULL)
	{
		free(pools);
		cli_error("out of memory");
		return EXIT_CHECK;
	}
	for (int i = 0; i < npools; i++)
	{
		v->rows[i].pool = pools[i];
		v->rows[i].stats = stats_of(&v->stats, &pools[i]);
	}
	v->nrows = v->npools = npools;
	free(pools);
	/* the applications refused since the reset that hold no connection now */
	for (int i = 0; i < v->stats.nrows; i++)
	{
		const cli_stats_row *r = &v->stats.rows[i];
		bool		shown = false;

		if (!r->visible)
			continue;
		for (int k = 0; k < CLI_REFUSED_NUM; k++)
			v->refused[k] += r->refused[k];
		if (!isnan(r->last_refused_at) && (isnan(v->last_refused_at) || r->last_refused_at > v->last_refused_at))
			v->last_refused_at = r->last_refused_at;
		if (cli_stats_refused_sum(r->refused, CLI_REFUSED_NUM) == 0)
			continue;
		for (int j = 0; j < v->npools && !shown; j++)
			shown = v->rows[j].stats == r;
		if (shown)
			continue;
		snprintf(v->rows[v->nrows].pool.database, sizeof(v->rows[0].pool.database), "%s",
				 r->overflow ? "(overflow)" : r->database);
		snprintf(v->rows[v->nrows].pool.role, sizeof(v->rows[0].pool.role), "%s",
				 r->overflow ? "(overflow)" : r->role);
		snprintf(v->rows[v->nrows].pool.application_name, sizeof(v->rows[0].pool.application_name),
				 "%s", r->overflow ? "(overflow)" : r->application_name);
		v->rows[v->nrows].pool.visible = true;
		v->rows[v->nrows++].stats = r;
	}
	return EXIT_OK;
}

/* a time for a narrow column: HH:MM:SS today, else MM-DD */
static void
short_time(double epoch, char *buf, size_t size)
{
	time_t		t = (time_t) epoch;
	time_t		now = time(NULL);
	struct tm	tm;
	struct tm	today;

	if (isnan(epoch))
	{
		snprintf(buf, size, "-");
		return;
	}
	localtime_r(&t, &tm);
	localtime_r(&now, &today);
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, size, "%H:%M:%S", &tm);
	else
		strftime(buf, size, "%m-%d", &tm);
}

/* the statistics line under the headroom */
static void
stats_line(const top_view *v, char *buf, size_t size)
{
	lg_strbuf	sb;
	char		since[16];
	char		peak[16];
	char		last[16];
	long long	all = cli_stats_refused_sum(v->refused, CLI_REFUSED_NUM);

	lg_strbuf_fixed(&sb, buf, size);
	if (!v->info.available)
	{
		lg_strbuf_printf(&sb, "peaks and refusals: %s", v->info.unavailable);
		return;
	}
	short_time(v->info.since, since, sizeof(since));
	short_time(v->info.peak_at, peak, sizeof(peak));
	short_time(v->last_refused_at, last, sizeof(last));
	lg_strbuf_printf(&sb, "since %s (pool_stats_reset): peak %d connections at %s; ", since,
					 v->info.peak_connections, peak);
	if (all == 0)
	{
		lg_strbuf_puts(&sb, "no connection refused");
		return;
	}
	lg_strbuf_printf(&sb, "%lld refused (", all);
	cli_stats_refused_list(v->refused, CLI_REFUSED_NUM, &sb);
	lg_strbuf_printf(&sb, "), the last at %s", last);
}

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

/* application, role@database, connections/max, peak and when, refused, bar, counts */
#define APP_W	24
#define OWNER_W 28
#define STATS_W (4 + 1 + 8 + 1 + 7 + 1)
#define COUNTS_W 36				/* room kept for the counts after the bar */
#define BAR_X	(APP_W + 1 + OWNER_W + 1 + 11 + 1 + STATS_W)
#define ROW_FMT "%-24.24s %-28.28s %5d/%-5d %4s %-8s %7s %s  run %d wait %d idle-tx %d idle %d%s"
#define HDR_FMT "%-24s %-28s %11s %4s %-8s %7s %s"

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
row_line(cli_db *db, const top_row *t, const cli_headroom *hr, int width,
		 char *buf, size_t size)
{
	const cli_pool_row *r = &t->pool;
	char		bar[512];
	char		owner[160];
	char		role[64];
	char		database[64];
	char		app[64];
	char		peak[16] = "-";
	char		when[16] = "-";
	char		refused[24] = "-";
	int			max = pool_max(db, r, hr);

	make_bar(r, max, width, bar);
	display_name(r->role, role, sizeof(role));
	display_name(r->database, database, sizeof(database));
	display_name(r->application_name, app, sizeof(app));
	snprintf(owner, sizeof(owner), "%s@%s", role, database);
	if (t->stats && t->stats->visible)
	{
		snprintf(peak, sizeof(peak), "%d", t->stats->peak_connections);
		short_time(t->stats->peak_at, when, sizeof(when));
		snprintf(refused, sizeof(refused), "%lld", cli_stats_refused_sum(t->stats->refused, CLI_REFUSED_NUM));
	}
	snprintf(buf, size, ROW_FMT,
			 app[0] ? app : "(none)", owner,
			 r->connections, max, peak, when, refused, bar, r->running, r->waiting,
			 r->idle_in_transaction + r->idle_in_transaction_aborted, r->idle,
			 r->other > 0 ? (r->visible ? " other" : " (states hidden)") : "");
	if (r->other > 0 && r->visible)
	{
		size_t		len = strlen(buf);

		snprintf(buf + len, size - len, " %d", r->other);
	}
}

#define BARS_LEGEND "bars: # active, W waiting on a lock, T idle in transaction, - idle, ? other, . free; PEAK AT and REFUSED since the reset"

static int
snapshot_plain(cli_db *db)
{
	top_view	v;
	char		line[1024];
	int			rc;
	char		bar_hdr[PLAIN_BAR_WIDTH + 1];

	if ((rc = view_read(db, &v)) != EXIT_OK)
		return rc;
	headroom_line(&v.hr, line, sizeof(line));
	printf("%s\n", line);
	stats_line(&v, line, sizeof(line));
	printf("%s\n", line);
	printf(BARS_LEGEND "\n\n");
	snprintf(bar_hdr, sizeof(bar_hdr), "%-*s", PLAIN_BAR_WIDTH, "POOL (full width = max)");
	printf(HDR_FMT "\n", "APPLICATION", "ROLE@DATABASE", "CONN/MAX", "PEAK", "AT", "REFUSED", bar_hdr);
	for (int i = 0; i < v.nrows; i++)
	{
		row_line(db, &v.rows[i], &v.hr, PLAIN_BAR_WIDTH, line, sizeof(line));
		printf("%s\n", line);
	}
	if (v.nrows == 0)
		printf("(no client connections besides this one)\n");
	view_free(&v);
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
	top_view	v;
	char		line[1024];
	char		stamp[16];
	time_t		t = time(NULL);
	struct tm	tm;
	int			rows_avail;
	int			barw;
	int			rc;

	if ((rc = view_read(db, &v)) != EXIT_OK)
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
	headroom_line(&v.hr, line, sizeof(line));
	mvaddnstr(1, 0, line, COLS);
	stats_line(&v, line, sizeof(line));
	mvaddnstr(2, 0, line, COLS);
	mvaddnstr(3, 0, BARS_LEGEND, COLS);
	attron(A_REVERSE);
	snprintf(line, sizeof(line), HDR_FMT, "APPLICATION", "ROLE@DATABASE", "CONN/MAX", "PEAK", "AT",
			 "REFUSED", "POOL (full width = max)");
	mvprintw(5, 0, "%-*.*s", COLS, COLS, line);
	attroff(A_REVERSE);

	rows_avail = LINES - 6;
	for (int i = 0; i < v.nrows && i < rows_avail; i++)
	{
		char		bar[512];
		int			y = 6 + i;

		if (i == rows_avail - 1 && v.nrows > rows_avail)
		{
			snprintf(line, sizeof(line), "... %d more pools", v.nrows - i);
			mvaddnstr(y, 0, line, COLS);
			break;
		}
		row_line(db, &v.rows[i], &v.hr, barw, line, sizeof(line));
		mvaddnstr(y, 0, line, COLS);
		make_bar(&v.rows[i].pool, pool_max(db, &v.rows[i].pool, &v.hr), barw, bar);
		if (has_colors() && BAR_X + barw <= COLS)
			draw_bar_colours(y, BAR_X, bar);
	}
	if (v.nrows == 0)
		mvaddstr(6, 0, "(no client connections besides this one)");
	view_free(&v);
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
