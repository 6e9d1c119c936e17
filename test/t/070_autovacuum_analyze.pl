# An autovacuum worker's ANALYZE holds back the cleanup of the outbox while
# it runs, but PostgreSQL shows it with the xact_start of the vacuum of the
# same table before it (autovacuum sets the statement start once per table).
# The worker times an autovacuum transaction by its own sightings of the same
# horizon instead: a short ANALYZE after a long vacuum is not named as "open
# since" the vacuum began, and one that holds its snapshot for 30 seconds is
# still named.
#
# Nothing here waits for a time to pass, only for states:
#  * the vacuum is made long by an aggressive autovacuum (freeze ages 0) that
#    waits for the cleanup lock of a page an open cursor keeps pinned;
#  * the ANALYZE is held as long as the test wants: the table has an
#    expression index whose function takes an advisory lock the test holds
#    (ANALYZE evaluates index expressions over its sample);
#  * a user's transaction that has been open since before the vacuum takes a
#    transaction id once the ANALYZE runs: newer than the ANALYZE's snapshot,
#    so a worker that believed the ANALYZE's xact_start would name the
#    ANALYZE (the older horizon) instead of it, as open since the vacuum
#    began. Whoever the worker names first, the ANALYZE may only ever be
#    named as open since a moment after the vacuum ended (a worker that
#    looks late, on a loaded machine, may name it first, but never as open
#    since the vacuum).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver(
	'autovacuum_analyze',
	receiver => { quiet => 1 },
	extra_conf => "autovacuum_naptime = 1\n");
ok(wait_for_worker($node), 'worker runs');

$node->safe_psql(
	'postgres', q{
	CREATE FUNCTION gate(i int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
	BEGIN
		PERFORM pg_catalog.pg_advisory_xact_lock_shared(4242);
		RETURN i;
	END $$;
	CREATE TABLE analyzed_late (id int, filler text) WITH (
		autovacuum_enabled = off,
		autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0,
		autovacuum_analyze_threshold = 0, autovacuum_analyze_scale_factor = 0,
		autovacuum_freeze_min_age = 0, autovacuum_freeze_table_age = 0);
	INSERT INTO analyzed_late SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g;
	CREATE INDEX analyzed_late_gate ON analyzed_late (public.gate(id));
	DELETE FROM analyzed_late WHERE id % 10 = 0;
});

# The user's transaction: open from now on, holding nothing back yet.
my $user = $node->background_psql('postgres');
my $user_pid = $user->query_safe('SELECT pg_backend_pid()');
chomp $user_pid;
$user->query_safe('BEGIN');

# The cursor pins the table's first page (and holds back the horizon itself:
# it is named after 30 seconds, which tells that the worker looks).
my $cursor = $node->background_psql('postgres');
my $cursor_pid = $cursor->query_safe('SELECT pg_backend_pid()');
chomp $cursor_pid;
$cursor->query_safe('BEGIN');
$cursor->query_safe('DECLARE pinning CURSOR FOR SELECT * FROM analyzed_late');
$cursor->query_safe('FETCH 1 FROM pinning');

my $offset = -s $node->logfile;
$node->safe_psql('postgres', 'ALTER TABLE analyzed_late SET (autovacuum_enabled = on)');
ok( $node->poll_query_until(
		'postgres', q{
	SELECT count(*) = 1 FROM pg_stat_activity
	 WHERE backend_type = 'autovacuum worker' AND wait_event = 'BufferPin'
	   AND query = 'autovacuum: VACUUM ANALYZE public.analyzed_late'}),
	'the autovacuum of the table waits for the pinned page');
my $autovacuum_pid = $node->safe_psql(
	'postgres', q{
	SELECT pid FROM pg_stat_activity
	 WHERE query = 'autovacuum: VACUUM ANALYZE public.analyzed_late'});

# The worker looks every ten seconds while it delivers.
sub deliver_until
{
	my ($done, $tag) = @_;
	for my $round (1 .. 90)
	{
		insert_many($node, 20, bookings => 5, tag => "$tag$round");
		return 1 if $done->();
		sleep 2;
	}
	return 0;
}

ok( deliver_until(
		sub {
			log_since($node, $offset) =~ /the transaction of backend $cursor_pid, open since/
			  && $node->safe_psql(
				'postgres', qq{
			SELECT xact_start < now() - interval '31 seconds' FROM pg_stat_activity
			 WHERE pid = $autovacuum_pid AND wait_event = 'BufferPin'}) eq 't';
		},
		'vacuum'),
	'the cursor is named, and the vacuum has waited for over 30 seconds');

# The ANALYZE after the vacuum: held at the advisory lock.
my $gate = $node->background_psql('postgres');
$gate->query_safe('SELECT pg_advisory_lock(4242)');
$offset = -s $node->logfile;
# The vacuum cannot end, nor the ANALYZE begin, before this moment.
my $vacuum_ended_after = $node->safe_psql('postgres', 'SELECT now()');
$cursor->query_safe('COMMIT');
$cursor->quit;
ok( $node->poll_query_until(
		'postgres', qq{
	SELECT wait_event_type = 'Lock' AND wait_event = 'advisory'
	   AND query = 'autovacuum: VACUUM ANALYZE public.analyzed_late'
	   AND backend_xmin IS NOT NULL FROM pg_stat_activity WHERE pid = $autovacuum_pid}),
	'the ANALYZE runs, with a snapshot');
is( $node->safe_psql(
		'postgres', qq{
	SELECT xact_start < now() - interval '30 seconds' FROM pg_stat_activity
	 WHERE pid = $autovacuum_pid}),
	't',
	'PostgreSQL shows the ANALYZE with the xact_start of the vacuum');

# The user's transaction takes a transaction id newer than the ANALYZE's
# snapshot (one more is used up first, so that the two never tie).
$node->safe_psql('postgres', 'SELECT pg_current_xact_id()');
$user->query_safe('SELECT pg_current_xact_id()');
ok( deliver_until(
		sub { log_since($node, $offset) =~ /the transaction of backend \d+, open since/ },
		'analyze'),
	'the worker names a backend');
my ($named, $since) =
  log_since($node, $offset) =~ /the transaction of backend (\d+), open since (.*?), holds back/;
ok( $named == $user_pid || $named == $autovacuum_pid,
	'it names the user transaction or the ANALYZE');
is( $node->safe_psql(
		'postgres', qq{
	SELECT $named = $user_pid OR '$since'::timestamptz >= '$vacuum_ended_after'::timestamptz}),
	't',
	'it names the user transaction, or the ANALYZE as open since after the vacuum, '
	  . 'never since the vacuum began');

# An ANALYZE that holds its snapshot for 30 seconds is named all the same.
$user->query_safe('COMMIT');
$user->quit;
ok( deliver_until(
		sub {
			log_since($node, $offset) =~
			  /the transaction of backend $autovacuum_pid, open since/;
		},
		'held'),
	'the ANALYZE is named once it has held the horizon for 30 seconds');
is( $node->safe_psql(
		'postgres', qq{
	SELECT (h->>'pid')::int = $autovacuum_pid
	   AND (h->>'transaction_started_at')::timestamptz > a.xact_start + interval '30 seconds'
	  FROM (SELECT webhook_health()->'worker_xmin_holder' AS h) AS health,
	       pg_stat_activity a
	 WHERE a.pid = $autovacuum_pid}),
	't',
	'webhook_health() shows it open since the worker first saw it, not since the vacuum');

$offset = -s $node->logfile;
$gate->query_safe('SELECT pg_advisory_unlock(4242)');
$gate->quit;
ok( deliver_until(
		sub {
			log_since($node, $offset) =~ /no long transaction holds back the outbox any more/;
		},
		'after'),
	'the end of it is logged');
wait_for_drain($node, 'delivery went on meanwhile');
$recv->stop;
done_testing();
