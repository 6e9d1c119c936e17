# A long transaction holds back the cleanup of the outbox (every delivered
# event leaves a dead row that no vacuum may remove while an older snapshot
# is open, and claims step over them). The worker names it: one WARNING with
# the backend's pid, the same pid in webhook_health(), and one line when it
# is over.
#
# Only a transaction that really holds back the outbox's horizon is named.
# A lazy VACUUM's snapshot is ignored by other vacuums, and a snapshot in
# another database does not count for an ordinary table: both start first,
# so that a worker naming the oldest open transaction would name one of them
# (and hide the real holder behind it). A prepared transaction has no
# backend but holds the horizon back too: it is named once the backend that
# holds back more is gone.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver(
	'long_transaction',
	receiver => { quiet => 1 },
	extra_conf => "max_prepared_transactions = 5\n");
ok(wait_for_worker($node), 'worker runs');

# False holder 1: a manual lazy VACUUM made slow enough to outlast the test
# (a cost limit of 1 sleeps after every page; the cancel below ends it).
$node->safe_psql(
	'postgres', q{
	CREATE TABLE slow_to_vacuum (id int, filler text) WITH (autovacuum_enabled = off);
	INSERT INTO slow_to_vacuum SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g;
	CREATE DATABASE elsewhere;
});
# (Its psql goes on after the cancel at the end, so that it can quit.)
my $vacuum = $node->background_psql('postgres', on_error_stop => 0);
my $vacuum_pid = $vacuum->query_safe('SELECT pg_backend_pid()');
chomp $vacuum_pid;
$vacuum->query_safe('SET vacuum_cost_delay = 100');
$vacuum->query_safe('SET vacuum_cost_limit = 1');
$vacuum->query_until(qr/vacuum starts/, "\\echo vacuum starts\nVACUUM slow_to_vacuum;\n");
ok( $node->poll_query_until(
		'postgres', qq{
	SELECT backend_xmin IS NOT NULL FROM pg_stat_activity
	 WHERE pid = $vacuum_pid AND state = 'active' AND query LIKE 'VACUUM%'}),
	'the slow VACUUM runs and holds a snapshot');

# False holder 2: an old snapshot in another database.
my $elsewhere = $node->background_psql('elsewhere');
$elsewhere->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $elsewhere_pid = $elsewhere->query_safe('SELECT pg_backend_pid()');
chomp $elsewhere_pid;
sleep 1;    # the real holder's transaction starts strictly later

# The real holder, in the worker's database.
my $offset = -s $node->logfile;
my $open_tx = $node->background_psql('postgres');
$open_tx->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $holder = $open_tx->query_safe('SELECT pg_backend_pid()');
chomp $holder;
# Its transaction id (older than the prepared one's below) is its horizon.
$open_tx->query_safe('SELECT pg_current_xact_id()');

# Prepared right after: it holds back less than the backend above (a newer
# transaction id), so it waits behind it. Its identifier plays with quotes.
$node->safe_psql(
	'postgres', q{
	BEGIN;
	SELECT pg_current_xact_id();
	PREPARE TRANSACTION 'forgotten ''one''';
});

# The worker looks every ten seconds while it delivers (an idle worker makes
# no dead rows and looks at nothing); the transaction counts as long after
# thirty seconds. Deliveries go on meanwhile.
sub deliver_until_logged
{
	my ($pattern, $tag) = @_;
	for my $round (1 .. 60)
	{
		insert_many($node, 20, bookings => 5, tag => "$tag$round");
		return 1 if log_since($node, $offset) =~ $pattern;
		sleep 2;
	}
	return 0;
}

ok( deliver_until_logged(
		qr/the transaction of backend \d+, open since .*, holds back the cleanup of the outbox/,
		'during'),
	'the worker names a backend in the log');
my ($named) = log_since($node, $offset) =~ /the transaction of backend (\d+), open since/;
is($named, $holder, 'it names the real holder, not the VACUUM or the other database');
is( $node->safe_psql('postgres', "SELECT webhook_health()->'worker_xmin_holder'->>'pid'"),
	$holder, 'webhook_health() shows the same backend');
wait_for_drain($node, 'delivery went on while the transaction was open');

# Still open: no second warning.
insert_many($node, 50, bookings => 5, tag => 'more');
sleep 12;
insert_many($node, 50, bookings => 5, tag => 'more2');
wait_for_drain($node, 'more deliveries');
my $log = log_since($node, $offset);
my $warnings = () = $log =~ /holds back the cleanup of the outbox/g;
is($warnings, 1, 'one warning per state change, not one per look');

# The backend ends: the prepared transaction is named next.
$open_tx->query_safe('COMMIT');
$open_tx->quit;
ok( deliver_until_logged(
		qr/the prepared transaction 'forgotten ''one''', prepared at .*, holds back the cleanup of the outbox/,
		'prepared'),
	'the prepared transaction is named, its identifier quoted');
like(
	log_since($node, $offset),
	qr/HINT:  Finish it: COMMIT PREPARED 'forgotten ''one''' or ROLLBACK PREPARED 'forgotten ''one'''\./,
	'the hint quotes it as the statement needs');
is( $node->safe_psql(
		'postgres', q{
	SELECT h->'pid' = 'null'::jsonb AND h->>'prepared_transaction' = 'forgotten ''one'''
	   AND abs(extract(epoch FROM (h->>'transaction_started_at')::timestamptz -
	       (SELECT prepared FROM pg_prepared_xacts WHERE gid = 'forgotten ''one'''))) < 0.002
	FROM (SELECT webhook_health()->'worker_xmin_holder' AS h) AS health}),
	't',
	'webhook_health() shows it by its identifier');

# Only the false holders are left: the holder is gone.
$node->safe_psql('postgres', "ROLLBACK PREPARED 'forgotten ''one'''");
ok(deliver_until_logged(qr/no long transaction holds back the outbox any more/, 'after'),
	'the end of it is logged');
is($node->safe_psql('postgres', "SELECT webhook_health()->'worker_xmin_holder' = 'null'::jsonb"),
	't', 'webhook_health() no longer shows it');
is( $node->safe_psql(
		'postgres', qq{
	SELECT count(*) FROM pg_stat_activity
	 WHERE pid IN ($vacuum_pid, $elsewhere_pid) AND backend_xmin IS NOT NULL
	   AND xact_start < now() - interval '30 seconds'}),
	'2',
	'meanwhile the VACUUM and the other database still hold old snapshots');
insert_many($node, 20, bookings => 5, tag => 'last');
wait_for_drain($node, 'deliveries after the holder left');
unlike(
	log_since($node, $offset),
	qr/the transaction of backend ($vacuum_pid|$elsewhere_pid),/,
	'no warning ever names the VACUUM or the other database');

$node->safe_psql('postgres', "SELECT pg_cancel_backend($vacuum_pid)");
$vacuum->quit;
$elsewhere->query_safe('COMMIT');
$elsewhere->quit;
$recv->stop;
done_testing();
