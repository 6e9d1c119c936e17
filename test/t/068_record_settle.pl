# The record statement settles an event whose delivery is its only one by
# copying that delivery into the outbox row, and every other event by the
# general rule (booking_events_settle_events'). This test drives each case
# where the copy would be wrong or easy to get wrong: several endpoints, a
# removed endpoint, batches of events with one and with two deliveries, a
# retry after a failure, a permanent failure and a manual retry, a backlog
# (recorded by the recorder while it engages). After each phase every
# outbox row must equal the summary of its deliveries, read in one
# snapshot (the worker writes both in one transaction), and the phase's
# event must have the values the contract gives.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('record_settle',
	webhook_url => $recv->url('/default'),
	backoff_base_ms => 100,
	backoff_max_ms => 500,
	max_attempts => 100);
create_app_schema($node, extension_schema => 'hooks');

# Every outbox row against the summary of its deliveries (the test's own
# oracle, outbox_summary_mismatches).
sub outbox_matches_deliveries
{
	my ($name) = @_;
	is(outbox_summary_mismatches($node), '',
		"$name: every outbox row is the summary of its deliveries");
}

# outbox columns of one event, as text: status|attempts|manual_retries|
# attempts_before_retry|last_http_status|last_error|delivered_at set
sub outbox_state
{
	my ($event_id) = @_;
	return $node->safe_psql('postgres',
		"SELECT status, attempts, manual_retries, attempts_before_retry, "
		  . "coalesce(last_http_status::text, 'null'), coalesce(last_error, 'null'), "
		  . "delivered_at IS NOT NULL FROM webhook_outbox WHERE event_id = "
		  . pg_quote($event_id));
}

sub log_count
{
	my ($event_id) = @_;
	return $node->safe_psql('postgres',
		'SELECT count(*) FROM webhook_logs WHERE event_id = ' . pg_quote($event_id));
}

# Delivered events matching $where whose attempts are their log rows.
sub delivered_with_every_attempt_logged
{
	my ($where) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox o WHERE status = 'delivered' AND ($where) "
		  . "AND attempts = (SELECT count(*) FROM webhook_logs l WHERE l.event_id = o.event_id)");
}

sub wait_for
{
	my ($query, $name) = @_;
	ok($node->poll_query_until('postgres', $query), $name);
}

my $booking = create_booking($node);

# --- one endpoint: the copy -------------------------------------------------
my $first = insert_event($node, $booking->{id}, 'booking.updated', 'one endpoint');
wait_for_status($node, $first, 'delivered');
is(outbox_state($first), 'delivered|1|0|0|200|null|t', 'one delivery: the outbox row is it');
is(log_count($first), '1', 'one log row');
outbox_matches_deliveries('one endpoint');

# --- a retry after a failure, and a permanent failure ----------------------
$recv->config({ paths => { '/default' => { fail_first_per_event => 1, fail_status => 503 } } });
my $retried = insert_event($node, $booking->{id}, 'booking.updated', 'retried');
wait_for_status($node, $retried, 'delivered');
is(outbox_state($retried), 'delivered|2|0|0|200|null|t',
	'retried then delivered: both attempts counted, the failure forgotten');
is(log_count($retried), '2', 'a log row per attempt');
is( $node->safe_psql('postgres',
		"SELECT o.next_attempt_at = d.next_attempt_at FROM webhook_outbox o "
		  . "JOIN webhook_deliveries d ON d.outbox_id = o.id WHERE o.event_id = "
		  . pg_quote($retried)),
	't',
	'the outbox keeps the schedule of the retry');

$recv->config({ paths => { '/default' => { default_status => 410 } } });
my $gone = insert_event($node, $booking->{id}, 'booking.updated', 'gone');
wait_for_status($node, $gone, 'failed');
like(outbox_state($gone), qr/^failed\|1\|0\|0\|410\|.+\|f$/, '410: failed at once');
outbox_matches_deliveries('retry and failure');

# --- a manual retry ------------------------------------------------------
$recv->config({});
is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'), '1', 'one event sent back');
wait_for_status($node, $gone, 'delivered');
is(outbox_state($gone), 'delivered|2|1|1|200|null|t',
	'manually retried: manual_retries and the attempts before it kept');
outbox_matches_deliveries('manual retry');

# --- several endpoints ----------------------------------------------------
# `second` keeps failing while `default` delivers: the event stays pending.
endpoint_set($node, 'second', $recv->url('/second'));
$recv->config({ paths => { '/second' => { default_status => 503 } } });
my $shared = insert_event($node, $booking->{id}, 'booking.updated', 'two endpoints');
my $shared_q = pg_quote($shared);
wait_for(
	"SELECT bool_and(d.status = 'delivered') FILTER (WHERE d.endpoint = 'default') "
	  . "AND bool_and(d.attempts >= 2) FILTER (WHERE d.endpoint = 'second') "
	  . "FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id "
	  . "WHERE o.event_id = $shared_q",
	'default delivered, second failed twice');
outbox_matches_deliveries('two endpoints, one pending');
is( $node->safe_psql('postgres',
		"SELECT status FROM webhook_outbox WHERE event_id = $shared_q"),
	'pending', 'one endpoint pending: the event is pending');

$recv->config({ paths => { '/second' => { default_status => 410 } } });
wait_for_status($node, $shared, 'failed');
is( $node->safe_psql('postgres',
		"SELECT o.attempts = sum(d.attempts) AND o.last_http_status = 410 "
		  . "AND o.delivered_at IS NULL FROM webhook_outbox o "
		  . "JOIN webhook_deliveries d ON d.outbox_id = o.id WHERE o.event_id = $shared_q "
		  . "GROUP BY o.id"),
	't', 'second failed: the event failed, attempts added up, its answer shown');
outbox_matches_deliveries('two endpoints, one failed');
$recv->config({});
is($node->safe_psql('postgres', "SELECT webhook_endpoint_remove('second')"),
	'0', 'second removed, nothing pending');

# --- a removed endpoint -------------------------------------------------
# `third`'s delivery ends "endpoint removed"; default's delivery, recorded
# later, is then its event's only pending one but not its only one.
endpoint_set($node, 'third', $recv->url('/third'));
$node->safe_psql('postgres',
	"SELECT webhook_endpoint_pause('default'), webhook_endpoint_pause('third')");
my $orphaned = insert_event($node, $booking->{id}, 'booking.updated', 'endpoint removed');
is($node->safe_psql('postgres', "SELECT webhook_endpoint_remove('third')"),
	'1', "third's pending delivery ended");
$node->safe_psql('postgres', "SELECT webhook_endpoint_resume('default')");
wait_for(
	"SELECT d.status = 'delivered' FROM webhook_deliveries d JOIN webhook_outbox o "
	  . "ON o.id = d.outbox_id WHERE d.endpoint = 'default' AND o.event_id = "
	  . pg_quote($orphaned),
	"default's delivery of it delivered");
is(outbox_state($orphaned), 'failed|1|0|0|null|endpoint removed|f',
	'the removed endpoint still fails the event');
outbox_matches_deliveries('removed endpoint');

# --- batches --------------------------------------------------------------
# Without webhook_url, `batched` (batch_max 5) and `plain` want batch.*:
# two deliveries each, several events in one request, the first request
# of each path failing; then `batched` alone: one delivery each.
reload_settings($node, webhook_url => '');
endpoint_set($node, 'batched', $recv->url('/batched'),
	event_types => ['batch.*'], batch_max => 5);
endpoint_set($node, 'plain', $recv->url('/plain'), event_types => ['batch.*']);
$recv->config({ paths => { '/batched' => { statuses => [503] }, '/plain' => { statuses => [503] } } });
insert_many($node, 20, bookings => 20, tag => 'two', event_type => 'batch.two');
wait_for_drain($node, 'batches to two endpoints drained', where => "event_type = 'batch.two'");
is(delivered_with_every_attempt_logged("event_type = 'batch.two' AND attempts >= 2"),
	'20', 'every event delivered to both, each attempt counted');
outbox_matches_deliveries('batches, two endpoints');

is($node->safe_psql('postgres', "SELECT webhook_endpoint_remove('plain')"), '0',
	'plain removed, nothing pending');
$recv->config({ paths => { '/batched' => { statuses => [503] } } });
insert_many($node, 20, bookings => 20, tag => 'one', event_type => 'batch.one');
wait_for_drain($node, 'batches to one endpoint drained', where => "event_type = 'batch.one'");
is( delivered_with_every_attempt_logged(
		"event_type = 'batch.one' AND last_http_status = 200 AND last_error IS NULL"),
	'20', 'every event delivered, each attempt counted');
ok( grep({ my $p = batch_parts(request_body($_)); $p && @{ $p->{event_ids} } > 1 }
		@{ path_requests($recv, '/batched') }),
	'requests carried several events');
outbox_matches_deliveries('batches, one endpoint');

# --- a backlog, with the recorder -------------------------------------------
# Queued while paused, an hour old (the claim's oldest lane fills: the
# recorder engages), half of it to two endpoints.
endpoint_set($node, 'plain', $recv->url('/plain'), event_types => ['batch.two']);
$recv->config({});
$node->safe_psql('postgres',
	"SELECT webhook_endpoint_pause('batched'), webhook_endpoint_pause('plain')");
insert_many($node, 300, bookings => 50, tag => 'backlog two', event_type => 'batch.two');
insert_many($node, 300, bookings => 50, tag => 'backlog one', event_type => 'batch.one');
$node->safe_psql('postgres',
	"UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 hour' "
	  . "WHERE status = 'pending'");
$node->safe_psql('postgres',
	"SELECT webhook_endpoint_resume('batched'), webhook_endpoint_resume('plain')");
wait_for_drain($node, 'the backlog drained');
note('attempts recorded by the recorder: '
	  . $node->safe_psql('postgres', "SELECT webhook_health()->>'recorder_attempts'"));
is(delivered_with_every_attempt_logged("event_type IN ('batch.one', 'batch.two')"),
	'640', 'every event of the backlog delivered, each attempt counted once');
outbox_matches_deliveries('backlog');

$node->stop;
done_testing();
