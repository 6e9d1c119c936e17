# Endpoints (#11), backpressure: a 429 (or 503) with Retry-After pauses the
# whole endpoint, not only the event it answered: nothing reaches it until
# then (receiver timestamps), while another endpoint keeps delivering the
# same events; the events that waited burn no attempt (one attempt, one log
# row each) and nothing fails, although max_attempts is 2.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $pause_s = 8;
my ($node, $recv) = endpoints_node('ep_retry_after',
	backoff_max_ms => 60000,
	max_attempts => 2,
	breaker_failures => 100000);
endpoint_set($node, 'throttled', $recv->url('/throttled'));
endpoint_set($node, 'steady', $recv->url('/steady'));

sub round
{
	my ($tag, $status, $spec) = @_;
	$recv->reset;
	$recv->config({ paths => { '/throttled' => { statuses => [$status], retry_after => $spec } } });
	# One event first, so that nothing else is in flight when the answer comes.
	my $b = create_booking($node);
	my $first = insert_event($node, $b->{id}, 'booking.first', "$tag first");
		ok( $node->poll_query_until('postgres',
			"SELECT count(*) > 0 FROM webhook_logs WHERE endpoint = 'throttled' AND http_status = $status "
			  . 'AND event_id = ' . pg_quote($first)),
		"$tag: the worker has recorded the $status");
	my ($answered) = grep { ($_->{status} // 0) == $status } @{ path_requests($recv, '/throttled') };
	my $t0 = $answered->{time};

	insert_many($node, 20, bookings => 20, tag => $tag, event_type => 'booking.later');
	my $where = "payload->'booking_event'->>'description' LIKE '$tag%'";
	wait_for_drain($node, "$tag: everything delivered in the end", where => $where);

	my @throttled = grep { $_->{seq} != $answered->{seq} } @{ path_requests($recv, '/throttled') };
	my @early = grep { $_->{time} < $t0 + $pause_s - 0.01 } @throttled;
	ok(!@early, "$tag: nothing reached the throttled endpoint for the $pause_s s it asked")
	  or diag(sprintf('%d requests came %.2f s after the %d', scalar @early,
			  $early[0]{time} - $t0, $status));
	is(scalar @throttled, 21, "$tag: then it got all 21 events, once each");
	my @steady_during = grep { $_->{time} > $t0 && $_->{time} < $t0 + $pause_s }
	  @{ path_requests($recv, '/steady') };
	cmp_ok(scalar @steady_during, '>=', 1,
		"$tag: the other endpoint kept delivering during the pause (" . scalar(@steady_during) . ' requests)');

	is( $node->safe_psql('postgres',
			"SELECT count(*) FILTER (WHERE d.attempts = 1) || '/' || count(*) FROM webhook_deliveries d "
			  . "JOIN webhook_outbox o ON o.id = d.outbox_id WHERE d.endpoint = 'throttled' "
			  . "AND $where AND o.event_id <> " . pg_quote($first)),
		'20/20', "$tag: the 20 events that waited out the pause used one attempt each");
	is( $node->safe_psql('postgres',
			"SELECT count(*) FROM webhook_logs l JOIN webhook_outbox o USING (event_id) "
			  . "WHERE l.endpoint = 'throttled' AND $where AND o.event_id <> " . pg_quote($first)),
		'20', "$tag: and one log row each");
	is( $node->safe_psql('postgres',
			"SELECT string_agg(l.status || ':' || coalesce(l.http_status::text, '-'), ',' ORDER BY l.id) "
			  . "FROM webhook_logs l WHERE l.endpoint = 'throttled' AND l.event_id = " . pg_quote($first)),
		"failed:$status,success:200", "$tag: the answered event's log shows the $status, then the success");
	return;
}

round('ra429', 429, "$pause_s");
# An HTTP date has whole seconds: one more, so that it is never earlier
# than $pause_s after the answer.
round('ra503', 503, 'http-date+' . ($pause_s + 1));

is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status = 'failed'"),
	'0', 'no event failed (max_attempts 2)');

$node->stop;
$recv->stop;
done_testing();
