# Endpoints (#11), rate limit: `max_per_second` is never exceeded at the
# receiver in any one-second window, over a backlog of 300 events on 300
# bookings (nothing else holds the worker back), with max_concurrency 32; a
# rate of 2.5/s admits at most 2 in any second. The backlog forms while the
# endpoint is paused: a paused endpoint is still routed to, its events wait
# and nothing is sent to it, while `default` delivers the same events.
# `late` has a receiver that reads its queue late, by 700 ms for ten
# requests, then at once for the next ten, and so on: it sees each request
# at some moment between its dispatch and its answer, so the limit holds
# there only if a request counts until its answer (a window of dispatch
# times widened by 250 ms let 20 land in one second at 10/s).
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
my ($late_events, $late_rate) = (60, 10);
endpoint_set($node, 'late', $recv->url('/late'),
	event_types => ['late.*'], max_per_second => $late_rate);
$recv->config(
	{ paths => { '/late' => { seen_after_ms => [ (700) x $late_rate, (0) x $late_rate ] } } });
$node->safe_psql('postgres',
	"SELECT webhook_endpoint_pause('limited'), webhook_endpoint_pause('trickle'), "
	  . "webhook_endpoint_pause('late')");

insert_many($node, $events, bookings => $events, tag => 'rate', event_type => 'rate.test');
insert_many($node, 12, bookings => 12, tag => 'trickle', event_type => 'trickle.test');
insert_many($node, $late_events, bookings => $late_events, tag => 'late', event_type => 'late.test');
my $all = $events + 12 + $late_events;
ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= $all FROM webhook_deliveries WHERE endpoint = 'default' AND status = 'delivered'"),
	'default delivers the whole backlog while the others are paused');
is( scalar(@{ path_requests($recv, '/limited') }) +
	  scalar(@{ path_requests($recv, '/trickle') }) +
	  scalar(@{ path_requests($recv, '/late') }),
	0, 'nothing was sent to the paused endpoints');
is( $node->safe_psql('postgres',
		"SELECT string_agg(endpoint || '=' || n, ',' ORDER BY endpoint) FROM "
		  . "(SELECT endpoint, count(*) n FROM webhook_deliveries WHERE status = 'pending' GROUP BY 1) s"),
	"late=$late_events,limited=$all,trickle=12",
	'their events wait, routed while paused');
is($node->safe_psql('postgres', "SELECT state FROM webhook_endpoints_status WHERE name = 'limited'"),
	'paused', 'webhook_endpoints_status shows the pause');

$node->safe_psql('postgres',
	"SELECT webhook_endpoint_resume('limited'), webhook_endpoint_resume('trickle'), "
	  . "webhook_endpoint_resume('late')");
wait_for_drain($node, 'resumed: the backlog drains');

my @limited = map { $_->{time} } @{ path_requests($recv, '/limited') };
my @trickle = map { $_->{time} } @{ path_requests($recv, '/trickle') };
my @late = map { $_->{time} } @{ path_requests($recv, '/late') };
is(scalar @limited, $all, 'limited got every event once');
is(scalar @trickle, 12, 'trickle got its 12 events once');
is(scalar @late, $late_events, "late got its $late_events events once");
my $worst_late = worst_window(\@late);
cmp_ok($worst_late, '<=', $late_rate,
	"a receiver that reads its queue late: at most $late_rate seen in any one-second window (worst: $worst_late)");
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
