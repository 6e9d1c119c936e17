# Endpoints (#11), backpressure without Retry-After: a receiver that accepts
# 10 requests a second and answers 429 to the rest (as Make.com does when a
# scenario's queue is full), no max_per_second configured. The endpoint must
# slow down to what the receiver accepts (halve its rate on 429s, creep back
# on successes) instead of hammering it: the whole backlog is delivered, none
# fails although max_attempts is 2 (a 429 burns no attempt), and the refusals
# stay well under one per event. Without the slow-down every event is refused
# several times: 32 requests in flight meet 10 accepted per second, and each
# refused event comes back after its own short backoff.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $events = 150;
my $accepted_per_second = 10;
my ($node, $recv) = node_with_receiver('ep_throttled',
	backoff_base_ms => 200,
	backoff_max_ms => 2000,
	max_attempts => 2,
	max_concurrency => 32,
	# The breaker is not what is tested here (054).
	breaker_failures => 100000);

endpoint_set($node, 'make', $recv->url('/make'), event_types => ['throttle.*']);
$recv->config({ paths => { '/make' => { accept_per_second => $accepted_per_second } } });
$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('make')");
insert_many($node, $events, bookings => $events, tag => 'throttle', event_type => 'throttle.test');
$node->safe_psql('postgres', "SELECT webhook_endpoint_resume('make')");

ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= $events FROM webhook_deliveries WHERE endpoint = 'make' AND status = 'delivered'"),
	'the whole backlog reaches the throttling receiver');

my @requests = @{ path_requests($recv, '/make') };
my @accepted = grep { ($_->{status} // 0) == 200 } @requests;
my $refused = grep { ($_->{status} // 0) == 429 } @requests;
my %accepted_ids = map { $_->{id} => 1 } @accepted;
is(scalar(keys %accepted_ids), $events, "each of the $events events was accepted");
is($node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'make' AND status = 'failed'"),
	'0', 'no event failed, although max_attempts is 2: a 429 burns no attempt');
cmp_ok($refused, '<', $events / 2,
	"the endpoint slowed down to what the receiver accepts: $refused refusals for $events events");
cmp_ok(worst_window([ map { $_->{time} } @accepted ]), '<=', $accepted_per_second,
	'the receiver never accepted more than it said it would (the throttle itself works)');

$node->stop;
$recv->stop;
done_testing();
