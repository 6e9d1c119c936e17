# Endpoints (#11): one endpoint's trouble never holds another back.
# 1. Per-booking order is per endpoint: while `flaky` answers 503 to
#    everything, `default` delivers every event of the same bookings, and
#    `flaky` tries only each booking's first event; once it heals, each
#    endpoint got each booking's events in outbox order.
# 2. A receiver that hangs until the request timeout does not make the live
#    endpoint wait: every live event arrives before the first hung request
#    could have timed out (measured at the receiver). Removing the hung
#    endpoint fails its pending deliveries with "endpoint removed".
# 3. An event routed by a transaction still open when the removal commits:
#    the worker ends its delivery to the removed endpoint the same way
#    (before, it stayed pending forever and its event never settled).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $request_timeout_s = 20;
my ($node, $recv) = endpoints_node('ep_isolation',
	max_attempts => 100,
	breaker_failures => 100000,
	max_concurrency => 4,
	request_timeout_ms => $request_timeout_s * 1000);
my $hook = '/hook';    # default's path (endpoints_node)

# --- 1. order per endpoint while another endpoint fails ----------------------
$recv->config({ paths => { '/flaky' => { default_status => 503 } } });
endpoint_set($node, 'flaky', $recv->url('/flaky'));
my @bookings = map { create_booking($node)->{id} } 1 .. 2;
my %events_of;    # booking => [event ids in outbox order]
for my $n (1 .. 5)
{
	for my $b (@bookings)
	{
		push @{ $events_of{$b} }, insert_event($node, $b, 'booking.step', "step $n");
	}
}
ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= 10 FROM webhook_deliveries WHERE endpoint = 'default' AND status = 'delivered'"),
	'default delivers all ten events while flaky refuses every one');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'flaky' AND status = 'pending'"),
	'10', 'flaky: all ten still pending, none failed');
my %first = map { $events_of{$_}[0] => 1 } @bookings;
my @flaky_before = @{ path_requests($recv, '/flaky') };
cmp_ok(scalar @flaky_before, '>=', 1, 'flaky was being retried');
my @out_of_order = grep { !$first{ $_->{id} } } @flaky_before;
ok(!@out_of_order, "flaky was sent only each booking's first event while that one failed")
  or diag('also sent: ' . join(', ', map { $_->{id} } @out_of_order));

$recv->config({});
wait_for_drain($node, 'flaky healed: everything delivered');
for my $path ($hook, '/flaky')
{
	my $reqs = path_requests($recv, $path);
	for my $b (@bookings)
	{
		my @ids = @{ $events_of{$b} };
		my %rank = map { $ids[$_] => $_ } 0 .. $#ids;
		# The first request of event k+1 comes after the 2xx of event k.
		my (%first_seq, %ok_seq);
		for my $r (@$reqs)
		{
			next unless exists $rank{ $r->{id} };
			$first_seq{ $r->{id} } //= $r->{seq};
			$ok_seq{ $r->{id} } = $r->{seq} if ($r->{status} // 0) == 200;
		}
		my @bad = grep {
			!defined $ok_seq{ $ids[ $_ - 1 ] }
			  || !defined $first_seq{ $ids[$_] }
			  || $first_seq{ $ids[$_] } < $ok_seq{ $ids[ $_ - 1 ] }
		} 1 .. $#ids;
		ok(!@bad, "$path: booking $b got its five events in order, each after the previous one's 2xx")
		  or diag(explain({ first => \%first_seq, ok => \%ok_seq, order => \@ids }));
	}
}

# --- 2. a hung receiver does not delay the live endpoint ---------------------
is($node->safe_psql('postgres', "SELECT webhook_endpoint_remove('flaky')"), '0',
	'flaky removed with nothing pending');
$recv->reset;
$recv->config({ paths => { '/hung' => { delay_ms => 3600 * 1000 } } });
endpoint_set($node, 'hung', $recv->url('/hung'));
insert_many($node, 40, bookings => 40, tag => 'hung', event_type => 'stall.test');
my $where = "payload->'booking_event'->>'description' LIKE 'hung #%'";
ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= 40 FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id "
		  . "WHERE d.endpoint = 'default' AND d.status = 'delivered' AND $where"),
	'the live endpoint delivers all 40 events while the hung one holds its requests');
my @live = @{ path_requests($recv, $hook) };
my @hung = @{ path_requests($recv, '/hung') };
cmp_ok(scalar @hung, '>=', 1, 'requests reached the hung receiver');
if (@hung && @live)
{
	my $first_hung = (sort { $a <=> $b } map { $_->{time} } @hung)[0];
	my $last_live = (sort { $b <=> $a } map { $_->{time} } @live)[0];
	cmp_ok($last_live, '<', $first_hung + $request_timeout_s,
		sprintf('every live event arrived %.1f s after the first hung request, before it could time out (%d s)',
			$last_live - $first_hung, $request_timeout_s));
}
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'hung' AND status = 'delivered'"),
	'0', 'the hung endpoint delivered nothing');

is($node->safe_psql('postgres', "SELECT webhook_endpoint_remove('hung')"),
	'40', 'removing the hung endpoint reports its 40 pending deliveries');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'hung' "
		  . "AND status = 'failed' AND last_error = 'endpoint removed'"),
	'40', "they end failed with 'endpoint removed', not dropped");
is( $node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE $where AND status = 'failed'"),
	'40', 'their events sum up as failed (visible, retryable by an operator)');

# --- 3. a removal racing a trigger that already routed to it ----------------
endpoint_set($node, 'racer', $recv->url('/racer'));
$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('racer')");
my $writer = $node->background_psql('postgres');
$writer->query_safe("BEGIN; INSERT INTO booking_events (booking_id, event_type, description) "
	  . "VALUES (md5('race')::uuid, 'race.test', 'race #1')");
is($node->safe_psql('postgres', "SELECT webhook_endpoint_remove('racer')"),
	'0', 'the removal sees no pending delivery (the writer has not committed)');
$writer->query_safe('COMMIT');
$writer->quit;
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'racer'"),
	'1', 'the writer routed its event to the removed endpoint');
ok( $node->poll_query_until('postgres',
		"SELECT status = 'failed' AND last_error = 'endpoint removed' "
		  . "FROM webhook_deliveries WHERE endpoint = 'racer'"),
	"the worker ends the orphaned delivery failed with 'endpoint removed'");
ok( $node->poll_query_until('postgres',
		"SELECT status = 'failed' FROM webhook_outbox "
		  . "WHERE payload->'booking_event'->>'description' = 'race #1'"),
	'its event is settled (failed once default has delivered it)');

$node->stop;
$recv->stop;
done_testing();
