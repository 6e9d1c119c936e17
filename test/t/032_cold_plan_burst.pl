# Quiet night, morning burst: the worker's kept plans are made while the
# outbox is empty and freshly vacuumed and analyzed, then 20,000 events
# arrive in one statement. The drain must stay linear: the worker's CPU time
# for it within a factor of what a drain whose plans were made on a full
# table costs. (CPU time, not wall time: the test runs beside others, and
# the machine's load may differ between the two drains.)
# Before, the plan made on the empty table (sequential scans and a sort) made
# every claim cost a pass over the whole outbox, so the drain's cost grew
# with the square of the burst: about 10 events/s at 100,000, and a worker
# that could not be stopped.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

# The burst is large enough for the old plan to fail by far: with the
# worker's plan settings taken out, 10,000 events cost the worker 33 s of
# CPU on the cold plan against 2.8 s on the warm one (12x; at 100,000 the
# drain ran at about 10 events/s). The cold cost per event grows with the
# burst, so at 20,000 the old plan would cost some 24 times the warm one, five
# times the factor; with the plan settings in, the two drains cost the same
# (11.3 s and 11.0 s of CPU) and take about a minute each on a busy machine.
my $factor = 5;
my $burst = 20_000;

my ($node, $recv) = node_with_receiver('cold_plan',
	receiver => { quiet => 1 },
	max_concurrency => 64,
	batch_size => 100,
	extra_conf => "autovacuum = off\n");
ok(wait_for_worker($node), 'worker runs');

# Waits until nothing is pending; returns the CPU ticks the worker spent
# since $ticks_before (its CPU time when the burst was let loose).
sub drain_cost
{
	my ($tag, $worker, $ticks_before, $started) = @_;
	# A busy machine may drain at a few hundred events a second; the old
	# plan took some 400 s for this burst.
	no warnings 'once';
	local $PostgreSQL::Test::Utils::timeout_default = 1200;
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) = 0 FROM webhook_outbox WHERE status = 'pending'"),
		"$tag: $burst events drained");
	my $ticks = cpu_ticks($worker) - $ticks_before;
	is(worker_pid($node), $worker, "$tag: one worker process drained them all");
	note(sprintf('%s: %d events in %.1f s, %d ticks of the worker\'s CPU',
		$tag, $burst, Time::HiRes::time() - $started, $ticks));
	return $ticks;
}

# Cold: the outbox is emptied, vacuumed and analyzed; one event makes the
# worker plan its statements now (the analyze invalidated the old plans).
$node->safe_psql('postgres', 'DELETE FROM webhook_outbox');
$node->safe_psql('postgres', 'VACUUM ANALYZE webhook_outbox');
my $b = create_booking($node);
wait_for_status($node, insert_event($node, $b->{id}, 'booking.quiet', 'the only event of the night'),
	'delivered');
is($node->safe_psql('postgres', "SELECT reltuples <= 1 FROM pg_class WHERE relname = 'webhook_outbox'"),
	't', 'the statistics say the outbox is (nearly) empty');
my $worker = worker_pid($node);
my $ticks_before = cpu_ticks($worker);
my $started = Time::HiRes::time();
insert_many($node, $burst, bookings => 1000, tag => 'cold');
my $cold = drain_cost('cold plan', $worker, $ticks_before, $started);

# Warm: the same burst, written while delivery is paused and analyzed, so
# that the worker plans on the statistics of a full outbox when delivery is
# switched on again. (autovacuum is off in this test: no analyze happens
# behind its back in either run.)
$node->safe_psql('postgres', 'VACUUM webhook_outbox');
reload_settings($node, webhook_url => '');
insert_many($node, $burst, bookings => 1000, tag => 'warm');
$node->safe_psql('postgres', 'ANALYZE webhook_outbox');
$ticks_before = cpu_ticks($worker);
$started = Time::HiRes::time();
reload_settings($node, webhook_url => $recv->url('/hook2'));
my $warm = drain_cost('warm plan', $worker, $ticks_before, $started);

# (At least one second of CPU counted for the warm drain: a tick is 10 ms.)
cmp_ok($cold, '<=', $factor * ($warm > 100 ? $warm : 100),
	sprintf('the cold-plan drain (%d ticks of CPU) costs within %dx of the warm-plan drain (%d)',
		$cold, $factor, $warm));
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered'"),
	'0', 'every event was delivered');

$recv->stop;
done_testing();
