# Quiet night, morning burst: the worker's kept plans are made while the
# outbox is empty and freshly vacuumed and analyzed, then 20,000 events
# arrive in one statement. The drain must stay linear: its rate within a
# factor of the rate of a drain whose plans were made on a full table.
# Before, the plan made on the empty table (sequential scans and a sort) made
# every claim cost a pass over the whole outbox, so the drain rate fell as
# 1/N with a burst of N: about 10 events/s at 100,000, and a worker that
# could not be stopped.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

# Generous, as the machine may be busy. The burst is large enough for the
# old plan to fail by far: with the worker's plan settings taken out, a
# busy 2-core machine drained 10,000 events at 96/s on the cold plan against
# 878/s on the warm one (and 100,000 at about 10/s): the cold rate falls as
# 1/N, so 20,000 events put the old plan some 20 times below the warm rate,
# four times past the factor, in under a minute when the plan is right.
my $factor = 5;
my $burst = 20_000;

my ($node, $recv) = node_with_receiver('cold_plan',
	receiver => { quiet => 1 },
	max_concurrency => 64,
	batch_size => 100,
	extra_conf => "autovacuum = off\n");
ok(wait_for_worker($node), 'worker runs');

# Events per second from $started until nothing is pending.
sub rate_since
{
	my ($tag, $started) = @_;
	# A busy machine may drain at a few hundred events a second; the old
	# plan took some 400 s for this burst.
	no warnings 'once';
	local $PostgreSQL::Test::Utils::timeout_default = 1200;
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) = 0 FROM webhook_outbox WHERE status = 'pending'"),
		"$tag: $burst events drained");
	my $seconds = Time::HiRes::time() - $started;
	my $rate = $burst / $seconds;
	note(sprintf('%s: %d events in %.1f s: %.0f events/s', $tag, $burst, $seconds, $rate));
	return $rate;
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
insert_many($node, $burst, bookings => 1000, tag => 'cold');
my $cold = rate_since('cold plan', Time::HiRes::time());

# Warm: the same burst, written while delivery is paused and analyzed, so
# that the worker plans on the statistics of a full outbox when delivery is
# switched on again. (autovacuum is off in this test: no analyze happens
# behind its back in either run.)
$node->safe_psql('postgres', 'VACUUM webhook_outbox');
reload_settings($node, webhook_url => '');
insert_many($node, $burst, bookings => 1000, tag => 'warm');
$node->safe_psql('postgres', 'ANALYZE webhook_outbox');
my $started = Time::HiRes::time();
reload_settings($node, webhook_url => $recv->url('/hook2'));
my $warm = rate_since('warm plan', $started);

cmp_ok($cold * $factor, '>=', $warm,
	sprintf('the cold-plan drain (%.0f/s) is within %dx of the warm-plan drain (%.0f/s)',
		$cold, $factor, $warm));
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered'"),
	'0', 'every event was delivered');

$recv->stop;
done_testing();
