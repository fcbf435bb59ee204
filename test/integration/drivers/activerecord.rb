# activerecord.rb: ActiveRecord (Debian's ruby-activerecord) on ruby-pg,
# running the workload of workload.py (see drivers.t).
#   default: prepared_statements true (ActiveRecord's default): a query
#            with bind parameters is prepared as aN (N: a counter of the
#            connection) on its first run and kept in the statement pool
#   safe:    prepared_statements: false, what ActiveRecord's documentation
#            gives for PgBouncer: parameters go through unnamed statements
# At every connect ActiveRecord sends SET client_min_messages,
# SET standard_conforming_strings = on, SET intervalstyle = iso_8601 and,
# with its default UTC time zone, SET SESSION timezone TO 'UTC', in both
# configurations.
# Usage: activerecord.rb CONNINFO APPLICATION_NAME default|safe pooled
require "active_record"

conninfo, app, config, kind = ARGV
abort "usage: activerecord.rb CONNINFO APPLICATION_NAME default|safe pooled" unless ARGV.size == 4 && kind == "pooled"
abort "configuration must be default or safe" unless %w[default safe].include?(config)
ROUNDS = 8
CALLS = 6

# one class (so one connection pool) per connection the workload needs
def connection(url, app, prepared)
  klass = Class.new(ActiveRecord::Base) { self.abstract_class = true }
  Object.const_set("Conn#{rand(1 << 30)}", klass)
  klass.establish_connection(url: url, application_name: app, prepared_statements: prepared, pool: 1)
  klass.connection
end

$calls = 0
$ok = 0
def record(client, round, i, result)
  $calls += 1
  $ok += 1 if result == "ok"
  puts "call #{client} #{round} #{i} #{result}"
end

def call(conn, a, b)
  binds = [ActiveRecord::Relation::QueryAttribute.new("a", a, ActiveRecord::Type::Integer.new),
           ActiveRecord::Relation::QueryAttribute.new("b", b, ActiveRecord::Type::Integer.new)]
  # what a relation with bind parameters runs (Model.where(...)): preparable
  n = conn.select_all("SELECT $1::int + $2::int AS n", "workload", binds, preparable: true).rows[0][0]
  n == a + b ? "ok" : "wrong"
rescue ActiveRecord::StatementInvalid => e
  (e.cause.respond_to?(:result) && e.cause.result&.error_field(PG::PG_DIAG_SQLSTATE)) || e.class.name
end

prepared = config == "default"
clients = [["c1", connection(conninfo, app, prepared)], ["c2", connection(conninfo, app, prepared)]]
holder = connection(conninfo, app, false)
ROUNDS.times do |round|
  holding = round.odd?
  holder.execute("BEGIN; SELECT 1") if holding
  clients.each do |label, conn|
    CALLS.times { |i| record(label, round, i, call(conn, round, i)) }
  end
  holder.execute("COMMIT") if holding
end
puts "total #{$calls} ok #{$ok} err #{$calls - $ok}"
