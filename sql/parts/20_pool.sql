
--
-- Pool visibility (extension/pool_usage.c)
--
-- All three read the backend status the way pg_stat_activity does and run
-- with the caller's privileges: what a caller may see of other roles'
-- backends is what pg_stat_activity shows it.
--

CREATE FUNCTION pool_usage(
	OUT database name,
	OUT role name,
	OUT application_name text,
	OUT client_addr inet,
	OUT connections integer,
	OUT active integer,
	OUT idle integer,
	OUT idle_in_transaction integer,
	OUT idle_in_transaction_aborted integer,
	OUT waiting integer,
	OUT oldest_xact_age interval,
	OUT longest_idle_in_transaction interval,
	OUT longest_query interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lifeguard_pool_usage'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED ROWS 20;

COMMENT ON FUNCTION pool_usage() IS
'client backends grouped by database, role, application_name and client_addr, with their states; state columns are NULL for roles whose activity the caller may not see';

CREATE VIEW pool_usage AS
	SELECT * FROM @extschema@.pool_usage();

COMMENT ON VIEW pool_usage IS
'client backends grouped by database, role, application_name and client_addr, with their states; state columns are NULL for roles whose activity the caller may not see';

GRANT SELECT ON pool_usage TO PUBLIC;

CREATE FUNCTION pool_headroom(
	OUT max_connections integer,
	OUT superuser_reserved_connections integer,
	OUT reserved_connections integer,
	OUT in_use integer,
	OUT available integer,
	OUT utilization numeric)
RETURNS record
AS 'MODULE_PATHNAME', 'lifeguard_pool_headroom'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION pool_headroom() IS
'connection slots: settings, client backends in use, slots still open to roles without reserved-slot privileges, and utilization in percent of those';

CREATE FUNCTION pool_capacity(
	instances integer,
	pool_max integer,
	role name DEFAULT current_user,
	database name DEFAULT pg_catalog.current_database(),
	OUT fits boolean,
	OUT needed integer,
	OUT available integer,
	OUT limited_by text,
	OUT suggested_pool_max integer)
RETURNS record
AS 'MODULE_PATHNAME', 'lifeguard_pool_capacity'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED;

COMMENT ON FUNCTION pool_capacity(integer, integer, name, name) IS
'whether instances pools of pool_max connections fit in the connections open to role in database, the limit that decides it, and the largest pool_max that would fit';
