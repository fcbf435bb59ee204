/*-------------------------------------------------------------------------
 *
 * main.c
 *	  The lifeguard command-line tool: the one table of its commands and
 *	  their options, and the dispatcher.  The table drives everything said
 *	  about a command: the parsing of its command line (cli_args.c), its
 *	  help and usage lines (cli_help.c, also `lifeguard --list-commands`,
 *	  which docs/cli.md and docs/design.md show), whether it needs the
 *	  database (the dispatcher connects, or exits with the reason, and
 *	  closes), whether it runs again every so many seconds, and whether an
 *	  option makes it a server that keeps its own connection.
 *
 * Adding an option is its row here and its name in cli.h; adding a command
 * is its row here and its cmd_NAME.c (the Makefile compiles every file of
 * cli/).
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const config_formats[] = {
	[FORMAT_TEXT] = "text",
	[FORMAT_JSON] = "json",
	[FORMAT_ENV] = "env",
	[FORMAT_CONNINFO] = "conninfo",
	[FORMAT_NODE_PG] = "node-pg",
	NULL
};

static const cli_command commands[] = {
	{
		.name = "config",
		.run = cmd_config,
		.summary = "print the resolved connection and pool configuration",
		.options = {
			[CONFIG_FORMAT] = {"format", 0, CLI_CHOICE, "FORMAT", .choices = config_formats,
				.def = FORMAT_TEXT,
				.help = "text (default), json, env (shell variables), conninfo (a libpq "
			"connection string), node-pg (the options object for node-postgres new Pool(...))"},
			[CONFIG_DIRECT] = {"direct", 0, CLI_FLAG,
				.help = "the unpooled connection (DIRECT_URL; for a Neon -pooler host "
			"without it, the host minus -pooler)"},
			[CONFIG_SHOW_PASSWORD] = {"show-password", 0, CLI_FLAG,
			.help = "show the password and every other secret (redacted otherwise)"},
			[CONFIG_LIST_VARIABLES] = {"list-variables", 0, CLI_FLAG, .alone = true,
			.help = "the environment variables read, one per line"},
		},
		.description =
		"Print the configuration lifeguard resolves from the environment: the\n"
		"connection string (DATABASE_URL, else DIRECT_URL), the profile of APP_ENV\n"
		"(else NODE_ENV, else development), the overrides, and the detected driver\n"
		"and pool mode.\n",
		.more_help = cmd_config_help_environment,
		.exit_codes = "0 ok, 2 bad usage or configuration.",
	},
	{
		.name = "id",
		.run = cmd_id,
		.summary = "print prefixed CUID2 ids",
		.arg_name = "PREFIX",
		.options = {
			[ID_COUNT] = {"count", 'n', CLI_INT, "COUNT", 1, 1000000, 1,
			.help = "how many ids"},
			[ID_LENGTH] = {"length", 0, CLI_INT, "N", LG_ID_MIN_LENGTH, LG_ID_MAX_LENGTH,
			LG_ID_DEFAULT_LENGTH, .help = "length of the CUID2 part"},
		},
		.description =
		"Print COUNT ids PREFIX_<cuid2>, one per line: the same algorithm as\n"
		"@paralleldrive/cuid2 3.x and the SQL function gen_prefixed_id.\n"
		"\n"
		"PREFIX is 1 to 63 lowercase ASCII letters, digits and underscores,\n"
		"starting with a letter and not ending with an underscore.\n",
		.exit_codes = "0 ok, 2 bad usage.",
	},
	{
		.name = "health",
		.run = cmd_health,
		.summary = "check connection, latency, lifeguard and connection headroom",
		.options = {
			[HEALTH_JSON] = {"json", 0, CLI_FLAG, .help = "one JSON object per check"},
			[HEALTH_INSTANCES] = {"instances", 0, CLI_INT, "N", 1, 100000,
			.help = "check that N instances of this pool fit, with lifeguard installed"},
			[HEALTH_WATCH] = {"watch", 0, CLI_INT, "SECONDS", 1, 86400,
			.help = "check again every SECONDS until interrupted"},
			[HEALTH_COUNT] = {"count", 0, CLI_INT, "N", 1, 1000000,
			.help = "with --watch: stop after N checks"},
		},
		.needs = CLI_NEEDS_DB,
		.repeats = true,
		.every = HEALTH_WATCH,
		.times = HEALTH_COUNT,
		.reports_unreachable = true,
		.description =
		"Connect with the resolved configuration (see \"lifeguard config\") and report\n"
		"connect and round-trip latency, the server version, whether lifeguard is\n"
		"installed and preloaded, and the server's connection headroom.\n"
		"\n"
		"Healthy: connected, \"SELECT 1\" answered, and when lifeguard is installed at\n"
		"least one connection slot available to regular roles; with --instances,\n"
		"also N pools of the configured max fit (pool_capacity).\n",
		.exit_codes = "0 healthy, 1 unhealthy or does not fit, 2 bad usage or\n"
		"configuration, 3 cannot connect; with --watch, those of the last check.",
	},
	{
		.name = "audit",
		.run = cmd_audit,
		.summary = "report the server's transaction-pooling audit by application",
		.options = {
			[AUDIT_JSON] = {"json", 0, CLI_FLAG, .help = "one JSON object"},
			[AUDIT_FAIL_ON_HAZARDS] = {"fail-on-hazards", 0, CLI_FLAG,
			.help = "exit 1 when any hazard was recorded (for CI)"},
		},
		.needs = CLI_NEEDS_EXTENSION,
		.description =
		"Report what the server's pooling audit recorded: per application, every\n"
		"action that breaks under transaction pooling, how often, when it was last\n"
		"seen, and what to do instead.  Needs shared_preload_libraries = 'lifeguard'.\n",
		.exit_codes = "0 ok, 1 hazards recorded (with --fail-on-hazards), 2 bad usage\n"
		"or configuration, lifeguard not installed or not preloaded, 3 cannot connect.",
	},
	{
		.name = "top",
		.run = cmd_top,
		.summary = "live view of connections by application pool",
		.options = {
			[TOP_INTERVAL] = {"interval", 0, CLI_INT, "SECONDS", 1, 3600, 2,
			.help = "refresh period"},
		},
		.needs = CLI_NEEDS_EXTENSION,
		.description =
		"A live view of the server's connections by application pool (pool_usage)\n"
		"and its headroom (pool_headroom()), refreshed in place; q quits.  When\n"
		"standard output is not a terminal, one snapshot as plain text.\n"
		"\n"
		"Each bar is as wide as the pool's max: the configured max (DATABASE_POOL_MAX\n"
		"or the profile's) for the resolved application_name, else the pool's\n"
		"connections plus the server's available slots.  # active, W waiting on a\n"
		"lock, T idle in transaction, - idle, ? other, . free.\n",
		.exit_codes = "0 ok, 1 a query failed, 2 bad usage or configuration or\n"
		"lifeguard not installed, 3 cannot connect.",
	},
	{
		.name = "metrics",
		.run = cmd_metrics,
		.summary = "pool usage, headroom, audit and connection statistics for Prometheus",
		.options = {
			[METRICS_MAX_APPLICATIONS] = {"max-applications", 0, CLI_INT, "N", 0, 10000, 20,
				.help = "application label values of the connection statistics, besides "
			"\"other\", which sums the rest"},
			[METRICS_LISTEN] = {"listen", 0, CLI_ADDRESS, "HOST:PORT",
				.help = "serve GET /metrics over HTTP on HOST:PORT, [IPV6]:PORT or :PORT (every "
			"address) until SIGINT or SIGTERM, keeping one connection to the server"},
		},
		.needs = CLI_NEEDS_EXTENSION,
		.serves = true,
		.serve = METRICS_LISTEN,
		.description =
		"Print pool usage, connection headroom and limits, the pooling audit and\n"
		"the connection statistics in the Prometheus text exposition format, or\n"
		"serve them with --listen.  By application_name as it is now:\n"
		"  lifeguard_pool_connections{database,role,application_name,state},\n"
		"  lifeguard_pool_longest_idle_in_transaction_seconds{...};\n"
		"the server: lifeguard_max_connections, lifeguard_connections_in_use,\n"
		"  lifeguard_connections_available, lifeguard_connections_utilization_ratio,\n"
		"  lifeguard_role_connection_limit{role}, lifeguard_preloaded, ...;\n"
		"the audit (when preloaded): lifeguard_pooling_hazards_total{application_name,\n"
		"  hazard}, ...; the connection statistics since pool_stats_reset() (the C\n"
		"  extension, preloaded), by database, role and application, of which at\n"
		"  most N keep their names: lifeguard_sessions_opened_total,\n"
		"  lifeguard_connections_refused_total{cause}, lifeguard_transactions_total\n"
		"  {outcome}, lifeguard_peak_connections, ... (docs/cli.md lists them all).\n",
		.exit_codes = "0 ok (with --listen: stopped by a signal), 1 a query failed or\n"
		"cannot listen, 2 bad usage or configuration or lifeguard not installed, 3\n"
		"cannot connect.",
	},
	{
		.name = "install",
		.run = cmd_install,
		.summary = "install or upgrade the portable edition (no C extension needed)",
		.options = {
			[INSTALL_SCHEMA] = {"schema", 0, CLI_TEXT, "NAME", 1, 63, .def_text = "public",
			.help = "the schema"},
		},
		.needs = CLI_NEEDS_DB,
		.description =
		"Install (or upgrade, or reinstall) lifeguard's portable edition " LG_VERSION " into\n"
		"schema NAME (default public) of the database DATABASE_URL names, in\n"
		"one transaction: the ids, pool visibility, session_pooling_hazards()\n"
		"and txn_info() in SQL and PL/pgSQL on pgcrypto, for managed servers\n"
		"that accept no C extension.  The schema is created when missing, and\n"
		"pgcrypto in it when it is not installed.  The pooling audit needs the\n"
		"C extension and is not part of it.\n",
		.exit_codes = "0 installed, 2 bad usage, configuration or privileges,\n"
		"1 the server refused the script, 3 cannot connect.",
	},
};

#define NCOMMANDS ((int) (sizeof(commands) / sizeof(commands[0])))

static const cli_command *
find_command(const char *name)
{
	for (int i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

static volatile sig_atomic_t interrupted = 0;

static void
on_signal(int signo)
{
	(void) signo;
	interrupted = 1;
}

/* One run: connect when the command needs it, run, close. */
static int
run_once(const cli_command *cmd, const cli_args *args)
{
	cli_db		db;
	int			rc;

	if (cmd->needs == CLI_NEEDS_NOTHING || (cmd->serves && cli_given(args, cmd->serve)))
		return cmd->run(args, NULL);
	rc = cli_db_open(&db);
	if (rc == EXIT_OK && cmd->needs == CLI_NEEDS_EXTENSION)
		rc = cli_db_require_extension(&db);
	if (rc == EXIT_OK || (rc == EXIT_CONNECT && cmd->reports_unreachable))
		rc = cmd->run(args, &db);
	cli_db_close(&db);
	return rc;
}

/*
 * The command, and again every so many seconds when it repeats, until it
 * ran as many times as asked, a run finds bad usage or configuration, or
 * SIGINT or SIGTERM arrives.  The exit code is the last run's.
 */
static int
run_command(const cli_command *cmd, cli_args *args)
{
	struct sigaction sa;
	int			every;
	int			times;
	int			rc;

	if (!cmd->repeats || !cli_given(args, cmd->every))
	{
		rc = run_once(cmd, args);
		fflush(stdout);
		return rc;
	}
	every = cli_number(args, cmd->every);
	times = cli_given(args, cmd->times) ? cli_number(args, cmd->times) : 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = EXIT_OK;
	for (args->run = 1; !interrupted; args->run++)
	{
		struct timespec ts = {every, 0};

		rc = run_once(cmd, args);
		fflush(stdout);
		if (rc == EXIT_USAGE || (times > 0 && args->run >= times))
			break;
		while (!interrupted && nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	const cli_command *cmd;
	cli_args	args;
	char		q[LG_QUOTE_BUFSIZE];
	int			rc;

	if (argc < 2)
	{
		cli_help_all(commands, NCOMMANDS, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
		(strcmp(argv[1], "help") == 0 && argc == 2))
	{
		cli_help_all(commands, NCOMMANDS, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
	{
		printf("lifeguard %s\n", LG_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--list-commands") == 0)
	{
		cli_list_commands(commands, NCOMMANDS);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0)
	{
		if ((cmd = find_command(argv[2])) == NULL)
		{
			cli_error("unknown command \"%s\" (see \"lifeguard --help\")", cli_quote(q, argv[2]));
			return EXIT_USAGE;
		}
		cli_help_command(cmd, stdout);
		return EXIT_OK;
	}
	if ((cmd = find_command(argv[1])) == NULL)
	{
		cli_error("unknown command \"%s\" (see \"lifeguard --help\")", cli_quote(q, argv[1]));
		return EXIT_USAGE;
	}
	cli_set_command(cmd->name);
	rc = cli_args_parse(cmd, argc - 1, argv + 1, &args);
	if (rc == CLI_HELP_SHOWN)
		return EXIT_OK;
	if (rc != EXIT_OK)
		return rc;
	return run_command(cmd, &args);
}
