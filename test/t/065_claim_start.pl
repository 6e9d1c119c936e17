# A backlog drains without reading the dead head of the pending index. Every
# delivery the worker settles leaves a dead entry at the head of its
# endpoint's part of webhook_deliveries_pending_idx until a vacuum removes it;
# a claim that starts from the endpoint's lowest id read them all, so each
# claim cost more as the backlog drained (bench/backlog.sh: the rate followed
# the dead tuples between autovacuums). The worker now starts its claims at
# the lowest pending id the previous claim saw (core/claim_start.hpp).
# Autovacuum is off here, so nothing else removes the dead entries.
#
# Then what could make a delivery pending below that mark, each during a
# backlog: a transaction that took a lower outbox id and commits late,
# deliveries backed off after a failure, and a manual retry of an old failed
# delivery. Each is delivered, and every event is delivered.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use BookingEventsTest;
use BookingEventsTest::Endpoints;
use BookingEventsTest::Faults;

# Two requests at a time: every claim asks for one or two deliveries, early
# and late, so what a claim reads hardly depends on the machine's speed (one
# alone would let the newest lane take a whole claim now and then). Every event
# of the second backlog fails once: the breaker must not open.
my ($node, $recv) = endpoints_node('claim_start',
	paused => 'on',
	max_concurrency => 2,
	breaker_failures => 100000,
	receiver => { quiet => 1 },
	extra_conf => "autovacuum = off\n");
ok(wait_for_worker($node), 'worker runs');

# The blocks of webhook_deliveries and its indexes the worker read, and the
# deliveries it settled (its updates), as it last reported them: one report
# carries both, so a segment between two samples is consistent whichever
# index the claim's plan reads.
sub deliveries_sample
{
	my $row = $node->safe_psql('postgres', q{
SELECT s.heap_blks_hit + s.heap_blks_read + s.idx_blks_hit + s.idx_blks_read, t.n_tup_upd
FROM pg_statio_user_tables s JOIN pg_stat_user_tables t USING (relid)
WHERE t.relname = 'webhook_deliveries'});
	my ($blocks, $updates) = split /\|/, $row;
	return { blocks => $blocks, updates => $updates };
}

# The first sample with at least $updates deliveries settled.
sub sample_after
{
	my ($updates) = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (time < $deadline)
	{
		my $sample = deliveries_sample();
		return $sample if $sample->{updates} >= $updates;
		usleep(50_000);
	}
	BAIL_OUT("fewer than $updates deliveries settled in time");
}

sub blocks_per_delivery
{
	my ($from, $to) = @_;
	my $settled = $to->{updates} - $from->{updates};
	return undef if $settled <= 0;
	return ($to->{blocks} - $from->{blocks}) / $settled;
}

my $events = 12000;
insert_many($node, $events, bookings => $events, tag => 'backlog');
$node->safe_psql('postgres', 'ALTER SYSTEM SET booking_events.paused = off');
$node->reload;

my @early = (sample_after(500), sample_after(2500));
my @late = (sample_after(8500), sample_after(10500));
wait_for_drain($node, 'the backlog drains');
my $early = blocks_per_delivery(@early);
my $late = blocks_per_delivery(@late);
ok(defined $early && defined $late, 'deliveries were settled in both segments')
  or BAIL_OUT('no updates of webhook_deliveries were reported');
note(sprintf('webhook_deliveries blocks read per settled delivery: %.1f early, %.1f late',
		$early, $late));
my $dead = $node->safe_psql('postgres',
	"SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'webhook_deliveries'");
cmp_ok($dead, '>=', 8500, 'the dead deliveries stayed (no vacuum ran)');
# Starting from the endpoint's lowest id, a late claim read some 9,000 dead
# index entries (an early one about 1,500); from the mark it reads what
# settled since the previous claim, early and late.
cmp_ok($late, '<=', 1.5 * $early,
	'a late delivery costs about as many block reads as an early one');

# A transaction that takes a low outbox id and commits in the middle of the
# next backlog; an old event that failed for good and is retried then; and
# every event of the backlog failing once and backed off.
$node->safe_psql('postgres', 'ALTER SYSTEM SET booking_events.paused = on');
$node->reload;
$recv->config({ default_status => 400 });
my $failed = insert_event($node, '00000000-0000-0000-0000-00000000fa11',
	'old.failed', 'fails for good first');
$node->safe_psql('postgres', 'ALTER SYSTEM SET booking_events.paused = off');
$node->reload;
wait_for_status($node, $failed, 'failed', 'the old event failed for good');
$node->safe_psql('postgres', 'ALTER SYSTEM SET booking_events.paused = on');
$node->reload;

my $late_tx = $node->background_psql('postgres');
$late_tx->query_safe('BEGIN');
$late_tx->query_safe(
	"INSERT INTO booking_events (booking_id, event_type, description) "
	  . "VALUES ('00000000-0000-0000-0000-00000000001a', 'late.commit', 'takes a low id')");
my $late_event = $late_tx->query_safe(
	"SELECT event_id FROM webhook_outbox WHERE event_type = 'late.commit'");
chomp $late_event;

$node->safe_psql('postgres', 'ALTER SYSTEM SET booking_events.max_concurrency = 8');
my $second = 6000;
insert_many($node, $second, bookings => $second, tag => 'second', event_type => 'second.event');
$recv->config({ fail_first_per_event => 1, fail_status => 503 });
my $before = $node->safe_psql('postgres',
	"SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'");
$node->safe_psql('postgres', 'ALTER SYSTEM SET booking_events.paused = off');
$node->reload;
ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= $before + $second / 3 FROM webhook_deliveries "
		  . "WHERE status = 'delivered'"),
	'a third of the second backlog delivered');
is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'),
	'1', 'the old failed event is retried in the middle of the backlog');
$late_tx->query_safe('COMMIT');
$late_tx->quit;

wait_for_drain($node, 'the second backlog drains');
wait_for_status($node, $late_event, 'delivered', 'the late-committed event is delivered');
wait_for_status($node, $failed, 'delivered', 'the retried old event is delivered');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered' "
		  . "AND event_id <> '$failed'"),
	'0',
	'every event delivered');
my @counts = split /\|/, $node->safe_psql('postgres',
	"SELECT count(*), count(*) FILTER (WHERE attempts < 2) FROM webhook_outbox "
	  . "WHERE event_type = 'second.event'");
is($counts[0], $second, 'the second backlog is all there');
is($counts[1], 0, 'each event of the second backlog was sent again after its backed-off failure');

done_testing();
