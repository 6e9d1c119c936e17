# Retries: 5xx answers are retried with a growing backoff and the same bytes,
# 429/503 Retry-After is honoured, connection errors are retried, a 400
# fails at once until retry_failed_webhooks() sends it back, and
# max_attempts ends an event as failed (with a fresh budget after a manual
# retry).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('retries',
	backoff_base_ms => 200,
	backoff_max_ms => 10000,
	max_attempts => 3);
my $b = create_booking($node);

# The receiver answers $status as $config says; the event ends `failed`
# after $attempts attempts, and its outbox row and every log row say why.
# Returns the event id.
sub event_failed_with
{
	my ($status, $config, $attempts, $type, $description) = @_;
	$recv->reset;
	$recv->config($config);
	my $event_id = insert_event($node, $b->{id}, $type, $description);
	wait_for_status($node, $event_id, 'failed');
	my $row = outbox_row($node, $event_id);
	is($row->{attempts}, $attempts, "$status: failed after $attempts attempt(s)");
	is($row->{last_http_status}, $status, "$status: last_http_status");
	like($row->{last_error} // '', qr/$status/, "$status: last_error mentions $status");
	note("last_error: " . ($row->{last_error} // 'NULL'));
	is_deeply([ map { [ $_->{attempt}, $_->{status}, $_->{http_status} ] } @{ log_rows($node, $event_id) } ],
		[ map { [ $_, 'failed', $status ] } 1 .. $attempts ],
		"$status: one failed webhook_logs row per attempt");
	return $event_id;
}

# --- 503, 503, 200: delivered on the third attempt ---------------------------
$recv->config({ statuses => [ 503, 503 ] });
my $event_id = insert_event($node, $b->{id}, 'booking.confirmed', 'retried twice');
wait_for_status($node, $event_id, 'delivered');
my $reqs = requests_for($recv, $event_id);
is(scalar @$reqs, 3, 'three requests for the event');
is_deeply([ map { $_->{status} } @$reqs ], [ 503, 503, 200 ], 'receiver answered 503, 503, 200');

my $row = outbox_row($node, $event_id);
is($row->{attempts}, 3, 'outbox attempts 3');
is($row->{last_http_status}, 200, 'outbox last_http_status 200');
is($row->{last_error}, undef, 'no last_error once delivered');

my $logs = log_rows($node, $event_id);
is_deeply([ map { $_->{attempt} } @$logs ], [ 1, 2, 3 ], 'webhook_logs attempts 1, 2, 3');
is_deeply([ map { $_->{status} } @$logs ], [qw(failed failed success)],
	'webhook_logs statuses failed, failed, success');
is_deeply([ map { $_->{http_status} } @$logs ], [ 503, 503, 200 ], 'webhook_logs http statuses');
like($logs->[0]{error} // '', qr/503/, 'failed attempt logs the HTTP status in error');

my @t = map { $_->{time} } @$reqs;
my ($gap1, $gap2) = ($t[1] - $t[0], $t[2] - $t[1]);
note(sprintf('gaps: %.3f s, %.3f s', $gap1, $gap2));
cmp_ok($gap1, '>=', 0.1, 'first retry waits at least base/2 (100 ms)');
cmp_ok($gap2, '>=', 0.2, 'second retry waits at least base (200 ms)');
# With jitter the two ranges touch at 200 ms, so "second > first" is only
# almost always true; the schedule's growth shows in the lower bounds above
# and in the upper bound of the first delay.
cmp_ok($gap1, '<', 0.2 + 0.15, 'first retry waits at most base (200 ms, plus scheduling slack)');

my $payload_text = $node->safe_psql('postgres',
	"SELECT payload::text FROM webhook_outbox WHERE event_id = '$event_id'");
is_deeply([ map { $_->{body_b64} } @$reqs ], [ ($reqs->[0]{body_b64}) x 3 ],
	'same body bytes on every attempt');
ok(request_body($reqs->[0]) eq $payload_text, 'and they are the payload');
is_deeply([ map { $_->{headers}{'webhook-id'} } @$reqs ], [ ($event_id) x 3 ],
	'same webhook-id on every attempt');

# --- 429 with Retry-After is honoured when longer than the backoff -----------
$recv->reset;
$recv->config({ fail_first_per_event => 1, fail_status => 429, retry_after => '2' });
$event_id = insert_event($node, $b->{id}, 'booking.reminder', 'retry after');
wait_for_status($node, $event_id, 'delivered');
$reqs = requests_for($recv, $event_id);
is_deeply([ map { $_->{status} } @$reqs ], [ 429, 200 ], '429 then 200');
my $gap = $reqs->[1]{time} - $reqs->[0]{time};
note(sprintf('Retry-After gap: %.3f s', $gap));
cmp_ok($gap, '>=', 1.9, 'Retry-After: 2 honoured (backoff alone would be <= 200 ms)');
is_deeply([ map { $_->{status} } @{ log_rows($node, $event_id) } ], [qw(failed success)],
	'429 logged as a failed attempt');

# --- connection errors are retried -------------------------------------------
# The first two requests of the event are read and the connection is closed
# without an answer. (libcurl itself resends a request once, at once, when a
# reused keep-alive connection closes without a response, so one attempt of
# the worker may show as two requests here.)
$recv->reset;
$recv->config({ fail_first_per_event => 2, fail_status => 'close' });
$event_id = insert_event($node, $b->{id}, 'booking.note', 'connection closed');
wait_for_status($node, $event_id, 'delivered');
$logs = log_rows($node, $event_id);
$reqs = requests_for($recv, $event_id);
note('receiver saw ' . scalar(@$reqs) . ' requests, webhook_logs has ' . scalar(@$logs) . ' rows');
cmp_ok(scalar @$logs, '>=', 2, 'a connection error is followed by another attempt');
is($logs->[0]{status}, 'failed', 'connection error logged as failed');
is($logs->[0]{http_status}, undef, 'no http_status without a response');
ok(length($logs->[0]{error} // ''), 'connection error has an error text')
  and note("error: $logs->[0]{error}");
is($logs->[-1]{status}, 'success', 'then delivered');
is_deeply([ map { $_->{status} } @$reqs[ -1 .. -1 ] ], [200], 'last request answered 200');
TODO:
{
	local $TODO = 'libcurl resends on a reused connection closed without an answer; '
	  . 'that resend has no webhook_logs row and no backoff';
	is(scalar @$logs, scalar @$reqs, 'one webhook_logs row per request the receiver saw');
}

# --- 400: failed at once, then retry_failed_webhooks() -----------------------
$event_id = event_failed_with(400, { statuses => [400] }, 1, 'booking.bad', 'rejected by the receiver');
is($recv->wait_for_count(2, 2), 1, '400: no further request within 2 s');
is(outbox_row($node, $event_id)->{status}, 'failed', '400: still failed');

# The receiver answers 200 again (the statuses queue is used up).
is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'), '1',
	'retry_failed_webhooks() returns 1');
wait_for_status($node, $event_id, 'delivered', 'retried event delivered');
$logs = log_rows($node, $event_id);
is_deeply([ map { [ $_->{attempt}, $_->{status}, $_->{http_status} ] } @$logs ],
	[ [ 1, 'failed', 400 ], [ 2, 'success', 200 ] ],
	'webhook_logs: attempt 1 failed 400, attempt 2 success 200');
$row = outbox_row($node, $event_id);
is($row->{attempts}, 2, 'outbox attempts 2 after the manual retry');
is($row->{last_http_status}, 200, 'last_http_status 200 after the manual retry');
$reqs = requests_for($recv, $event_id);
is(scalar @$reqs, 2, 'two requests in all');
is($reqs->[1]{body_b64}, $reqs->[0]{body_b64}, 'manual retry sends the same bytes');
is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'), '0',
	'nothing left to retry');

# --- max_attempts = 3 with a receiver that always answers 500 ---------------
$event_id = event_failed_with(500, { default_status => 500 }, 3, 'booking.doomed', 'always 500');
is($recv->wait_for_count(4, 1.5), 3, 'max_attempts: no fourth request');

# A manual retry gives a fresh budget of max_attempts.
is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'), '1',
	'retry_failed_webhooks() requeues the exhausted event');
ok( $node->poll_query_until('postgres',
		"SELECT status = 'failed' AND attempts >= 6 FROM webhook_outbox WHERE event_id = '$event_id'"),
	'fresh budget: three more attempts, then failed again');
is_deeply([ map { $_->{attempt} } @{ log_rows($node, $event_id) } ], [ 1 .. 6 ],
	'webhook_logs attempts 1..6');
is($recv->wait_for_count(7, 1.5), 6, 'no seventh request');

# max_retries bounds how often an event is sent back.
is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks(1)'), '0',
	'retry_failed_webhooks(1) skips an event retried once already');

$node->stop;
$recv->stop;
done_testing();
