# Requests that never get a usable answer: stalls past request_timeout_ms,
# connections closed or reset without an answer, a non-HTTP answer, a 200
# cut off mid-body, a redirect, a host name that does not resolve, a closed
# port. Each attempt is one webhook_logs row with a clear error text; the
# retryable ones are retried and delivered; a stalled event holds back only
# the later events of its own booking, never other bookings.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my $timeout_ms = 1500;
my ($node, $recv) = node_with_receiver('broken',
	request_timeout_ms => $timeout_ms,
	backoff_base_ms => 100,
	backoff_max_ms => 1000,
	max_attempts => 10,
	# Out of reach: each event's handling is tested here, not the breaker (054).
	breaker_failures => 100000);

sub description_is { "payload->'booking_event'->>'description' LIKE '$_[0] #%'" }

# --- stalls past request_timeout_ms -----------------------------------------------
# The worker's own clock says when an attempt timed out: at the timeout, and
# before the stalled answer would have come. The receiver's stamps are late
# by however long a busy machine keeps it waiting, so they only show that
# the retry did not come at once.
my $stall_ms = 4000;
$recv->config({ stall_first_per_event => 1, stall_ms => $stall_ms });
insert_many($node, 5, bookings => 5, tag => 'stall');
wait_for_drain($node, 'stalled events delivered after their timeout', where => description_is('stall'));
my $report = check_nothing_lost($node, [$recv], 'timeouts',
	where => description_is('stall'),
	# the first request of each was stalled past the timeout (the receiver
	# records the 200 it would have sent)
	max_duplicates => 5,
	allow_duplicate => sub {
		my ($id, $reqs) = @_;
		return @$reqs == 2 && $reqs->[0]{delay_ms} >= $stall_ms && $reqs->[1]{delay_ms} == 0;
	});
my $timeouts = $node->safe_psql('postgres', <<SQL);
SELECT count(*) FILTER (WHERE l.attempt = 1 AND l.status = 'failed' AND l.http_status IS NULL
                          AND l.error = 'timed out after $timeout_ms ms'
                          AND l.response_time_ms >= ${\ ($timeout_ms * 0.9) } AND l.response_time_ms < $stall_ms)
    || '|' || count(*) FILTER (WHERE l.attempt = 2 AND l.status = 'success')
    || '|' || count(*)
FROM webhook_logs l JOIN webhook_outbox o USING (event_id)
WHERE o.${\ description_is('stall') }
SQL
is($timeouts, '5|5|10',
	"each stalled event: attempt 1 failed, 'timed out after $timeout_ms ms', no http_status; attempt 2 success")
  or diag($node->safe_psql('postgres',
	  'SELECT attempt, status, http_status, error, response_time_ms FROM webhook_logs ORDER BY id'));
for my $id (@{ $report->{committed} })
{
	my ($first, $second) = @{ $report->{by_id}{$id} };
	cmp_ok($second->{time} - $first->{time}, '>=', $timeout_ms / 1000 / 2,
		'the retry waited for the timeout (not sent at once)');
}

# --- a stalled event holds back its own booking only ----------------------------------
# The other booking's event must be inserted and delivered while the first
# request is still in flight, however slow the machine: the stall and the
# request timeout outlast any test (10 minutes), and the test ends the
# stall itself by cutting the connection (a receiver restart) once it has
# seen what it needs. The URL changes too, so that reload_settings can wait
# until the worker runs with the new timeout.
my $endless_ms = 600000;
reload_settings($node, request_timeout_ms => $endless_ms, webhook_url => $recv->url('/hook-slow'));
$recv->reset;
$recv->config({ stall_first_per_event => 1, stall_ms => $endless_ms });
my $b_stalled = create_booking($node);
my $b_other = create_booking($node);
my $stalled = insert_event($node, $b_stalled->{id}, 'booking.stalled', 'stalled once');
is($recv->wait_for_count(1, 30), 1, 'the first event is in flight, stalled');
$recv->config({});    # later requests are answered at once
my $behind = insert_event($node, $b_stalled->{id}, 'booking.behind', 'same booking, later');
my $other = insert_event($node, $b_other->{id}, 'booking.other', 'another booking');
wait_for_status($node, $other, 'delivered', 'an event of another booking is delivered meanwhile');
my $stalled_row = outbox_row($node, $stalled);
ok($stalled_row->{status} eq 'pending' && $stalled_row->{attempts} == 0,
	'while the stalled one is still in flight (no attempt recorded yet)')
  or diag(explain($stalled_row));
is(outbox_row($node, $behind)->{status}, 'pending', 'and the event behind it waits');
$recv->restart_on_same_port;    # cuts the stalled request: a failed attempt, then a retry
wait_for_status($node, $stalled, 'delivered', 'the stalled event is delivered after its cut attempt');
wait_for_status($node, $behind, 'delivered', 'then the event behind it');
my @order = map { $_->{id} } @{ recorded_requests($recv) };
is_deeply(\@order, [ $stalled, $other, $stalled, $behind ],
	'receiver order: stalled, other booking, stalled retried, the later event of its booking');
reload_settings($node, request_timeout_ms => $timeout_ms, webhook_url => $recv->url('/hook'));

# --- broken answers ----------------------------------------------------------------------
# mode => [requests that misbehave, expected error of a failed attempt]
my @broken = (
	# More than libcurl's silent resends of one request on reused
	# connections (up to 5), so that at least one attempt fails for certain.
	[ close => 8, qr/^connection closed without a response$/ ],
	[ reset => 8, qr/^connection reset while (?:receiving the response|sending the request)$/ ],
	[ garbage => 1, qr/^invalid HTTP response$/ ],
);
for my $case (@broken)
{
	my ($mode, $times, $error_re) = @$case;
	$recv->reset;
	$recv->config({ fail_first_per_event => $times, fail_status => $mode });
	my $b = create_booking($node);
	my $id = insert_event($node, $b->{id}, "booking.$mode", "answered with $mode");
	wait_for_status($node, $id, 'delivered', "$mode: retried, then delivered");
	my $logs = log_rows($node, $id);
	my @failed = grep { $_->{status} eq 'failed' } @$logs;
	# libcurl silently resends a request once when a reused keep-alive
	# connection closes without an answer, so a misbehaving request may
	# leave no row of its own; at least one does.
	cmp_ok(scalar @failed, '>=', 1, "$mode: failed attempts are logged");
	is(scalar(grep { !defined $_->{http_status} } @failed), scalar @failed,
		"$mode: failed attempts have no http_status");
	is(scalar(grep { ($_->{error} // '') =~ $error_re } @failed), scalar @failed,
		"$mode: error text " . join(' / ', map { $_->{error} // 'NULL' } @failed));
	is($logs->[-1]{status}, 'success', "$mode: the last attempt succeeded");
	my $reqs = requests_for($recv, $id);
	is(scalar(grep { defined $_->{status} && $_->{status} == 200 } @$reqs), 1,
		"$mode: answered 200 exactly once");
	is(scalar(grep { $_->{body_b64} ne $reqs->[0]{body_b64} } @$reqs), 0,
		"$mode: the same bytes every time");
}

# A 200 whose body is cut off: the receiver accepted the event, so it counts
# as delivered (resending would only duplicate it; delivery_policy).
{
	$recv->reset;
	$recv->config({ fail_first_per_event => 1, fail_status => 'close_mid_response' });
	my $b = create_booking($node);
	my $id = insert_event($node, $b->{id}, 'booking.cut', '200, then cut off');
	wait_for_status($node, $id, 'delivered', 'close_mid_response: 200 counts as delivered');
	my $logs = log_rows($node, $id);
	is_deeply([ map { [ $_->{status}, $_->{http_status} ] } @$logs ], [ [ 'success', 200 ] ],
		'close_mid_response: one attempt, logged as success with 200');
	is($recv->wait_for_count(2, 1), 1, 'close_mid_response: not sent again');
}

# A redirect is not followed and not retried: failed at once.
{
	$recv->reset;
	$recv->config({ fail_first_per_event => 1, fail_status => 'redirect', redirect_to => '/elsewhere' });
	my $b = create_booking($node);
	my $id = insert_event($node, $b->{id}, 'booking.redirected', 'answered 302');
	wait_for_status($node, $id, 'failed', 'redirect: failed at once');
	my $row = outbox_row($node, $id);
	is($row->{last_http_status}, 302, 'redirect: last_http_status 302');
	like($row->{last_error} // '', qr/302.*not retried/, "redirect: last_error '$row->{last_error}'");
	is(scalar(grep { $_->{path} ne '/hook' } @{ recorded_requests($recv) }), 0,
		'redirect: Location not followed');
	is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'), '1', 'redirect: manual retry');
	wait_for_status($node, $id, 'delivered', 'redirect: delivered after the manual retry');
}

# --- a host name that does not resolve ------------------------------------------------
# The event must still be pending when the URL is fixed: attempts that fail
# at once use up max_attempts in the backoff's time alone (some 6 s with 10),
# so the budget is raised to 100 (over 90 s of backoff) for these sections,
# whatever the machine's speed. And the request timeout is the default
# again: these attempts must fail by themselves, not time out (a name lookup
# on a busy machine took longer than the 1.5 s of the stall sections).
my $default_timeout_ms = 10000;
sub fails_then_recovers
{
	my ($name, $url, $error_re) = @_;
	reload_settings($node,
		webhook_url => $url,
		max_attempts => 100,
		request_timeout_ms => $default_timeout_ms);
	my $booking = create_booking($node);
	my $started = Time::HiRes::time();
	my $id = insert_event($node, $booking->{id}, "booking.$name", "sent to $name");
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) >= 2 FROM webhook_logs WHERE event_id = '$id'"),
		"$name: attempted and retried");
	note(sprintf('%s: two attempts within %.2f s', $name, Time::HiRes::time() - $started));
	my $logs = log_rows($node, $id);
	is(scalar(grep { $_->{status} eq 'failed' && !defined $_->{http_status} } @$logs),
		scalar @$logs, "$name: failed attempts without http_status");
	is(scalar(grep { ($_->{error} // '') =~ $error_re } @$logs), scalar @$logs,
		"$name: error text '$logs->[0]{error}'");
	my ($slowest) = sort { $b <=> $a } map { $_->{response_time_ms} } @$logs;
	cmp_ok($slowest, '<', $default_timeout_ms,
		"$name: each attempt fails by itself, before the request timeout");
	is(outbox_row($node, $id)->{status}, 'pending', "$name: event still pending");
	$recv->reset;
	reload_settings($node,
		webhook_url => $recv->url('/hook'),
		max_attempts => 10,
		request_timeout_ms => $timeout_ms);
	wait_for_status($node, $id, 'delivered', "$name: delivered once the URL is fixed");
	is_deeply(body_ids($recv), [$id], "$name: once");
	return;
}

fails_then_recovers('dns', 'http://booking-events-test.invalid/hook', qr/^could not resolve host$/);
my ($port, $port_holder) = refusing_port();
fails_then_recovers('refused', "http://127.0.0.1:$port/hook", qr/^connection refused$/);

unlike(slurp_file($node->logfile), qr/TRAP:|terminated by signal|was terminated/,
	'server log: no crash');

$node->stop;
$recv->stop;
done_testing();
