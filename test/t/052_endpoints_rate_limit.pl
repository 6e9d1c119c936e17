# Endpoints (#11), rate limit: `max_per_second` is never exceeded at the
# receiver in any one-second window, over a backlog of 300 events on 300
# bookings (nothing else holds the worker back), with max_concurrency 32; a
# rate of 2.5/s admits at most 2 in any second. The backlog forms while the
# endpoint is paused: a paused endpoint is still routed to, its events wait
# and nothing is sent to it, while `default` delivers the same events.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $events = 300;
my $rate = 20;
my ($node, $recv) = node_with_receiver('ep_rate_limit',
	backoff_base_ms => 100,
	max_concurrency => 32);

endpoint_set($node, 'limited', $recv->url('/limited'), max_per_second => $rate);
endpoint_set($node, 'trickle', $recv->url('/trickle'),
	event_types => ['trickle.*'], max_per_second => 2.5);
$node->safe_psql('postgres',
	"SELECT webhook_endpoint_pause('limited'), webhook_endpoint_pause('trickle')");

insert_many($node, $events, bookings => $events, tag => 'rate', event_type => 'rate.test');
insert_many($node, 12, bookings => 12, tag => 'trickle', event_type => 'trickle.test');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= $events + 12 FROM webhook_deliveries WHERE endpoint = 'default' AND status = 'delivered'"),
	'default delivers the whole backlog while the others are paused');
is(scalar(@{ path_requests($recv, '/limited') }) + scalar(@{ path_requests($recv, '/trickle') }),
	0, 'nothing was sent to the paused endpoints');
is( $node->safe_psql('postgres',
		"SELECT string_agg(endpoint || '=' || n, ',' ORDER BY endpoint) FROM "
		  . "(SELECT endpoint, count(*) n FROM webhook_deliveries WHERE status = 'pending' GROUP BY 1) s"),
	"limited=" . ($events + 12) . ",trickle=12",
	'their events wait, routed while paused');
is($node->safe_psql('postgres', "SELECT state FROM webhook_endpoints_status WHERE name = 'limited'"),
	'paused', 'webhook_endpoints_status shows the pause');

$node->safe_psql('postgres',
	"SELECT webhook_endpoint_resume('limited'), webhook_endpoint_resume('trickle')");
wait_for_drain($node, 'resumed: the backlog drains');

my @limited = map { $_->{time} } @{ path_requests($recv, '/limited') };
my @trickle = map { $_->{time} } @{ path_requests($recv, '/trickle') };
is(scalar @limited, $events + 12, 'limited got every event once');
is(scalar @trickle, 12, 'trickle got its 12 events once');
my $worst = worst_window(\@limited);
cmp_ok($worst, '<=', $rate, "limited: at most $rate requests in any one-second window (worst: $worst)");
my $worst_trickle = worst_window(\@trickle);
cmp_ok($worst_trickle, '<=', 2, "2.5/s: at most 2 requests in any one-second window (worst: $worst_trickle)");
if (@limited)
{
	my @sorted = sort { $a <=> $b } @limited;
	my $span = $sorted[-1] - $sorted[0];
	note(sprintf('limited: %d requests in %.1f s (%.1f/s), worst window %d', scalar @sorted, $span,
			$span > 0 ? (@sorted - 1) / $span : 0, $worst));
	# The limit is what slows it: not far below it either (a limiter that
	# sends one request a second would pass the check above).
	cmp_ok($worst, '>=', $rate / 4, "limited: the limit is approached (some second saw >= @{[$rate / 4]})");
}

$node->stop;
$recv->stop;
done_testing();
