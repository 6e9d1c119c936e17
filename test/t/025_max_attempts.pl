# max_attempts: an event that keeps failing (HTTP 500, or a receiver that is
# down) ends `failed` after max_attempts attempts, with last_error saying
# why; it no longer holds back the later events of its booking; nothing
# retries it (not the worker, not a restart, not a reload raising
# max_attempts) until retry_failed_webhooks() puts it back.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('max_attempts',
	backoff_base_ms => 100,
	backoff_max_ms => 1000,
	max_attempts => 3);

# --- HTTP 500 three times: failed; the next event of the booking goes ---------------
$recv->config({ statuses => [ 500, 500, 500 ] });
my $bx = create_booking($node);
my $e1 = insert_event($node, $bx->{id}, 'booking.doomed', 'answered 500 three times');
my $e2 = insert_event($node, $bx->{id}, 'booking.next', 'behind the doomed one');
wait_for_status($node, $e1, 'failed', 'event failed after max_attempts');
wait_for_status($node, $e2, 'delivered', 'the next event of the booking is delivered after it');
my $row = outbox_row($node, $e1);
is($row->{attempts}, 3, 'attempts = max_attempts = 3');
is($row->{last_http_status}, 500, 'last_http_status 500');
is($row->{last_error}, 'HTTP 500 (gave up after 3 attempts)', 'last_error says why');
is_deeply([ map { [ $_->{attempt}, $_->{status}, $_->{http_status} ] } @{ log_rows($node, $e1) } ],
	[ [ 1, 'failed', 500 ], [ 2, 'failed', 500 ], [ 3, 'failed', 500 ] ],
	'three failed log rows');
is_deeply(body_ids($recv), [ $e1, $e1, $e1, $e2 ],
	'receiver: three attempts of the doomed event, then the next one');

# --- receiver down: connection refused three times --------------------------------
$recv->stop;
my $by = create_booking($node);
my $f1 = insert_event($node, $by->{id}, 'booking.unreachable', 'receiver down');
wait_for_status($node, $f1, 'failed', 'event failed after max_attempts of connection refused');
$row = outbox_row($node, $f1);
is($row->{attempts}, 3, 'attempts 3');
is($row->{last_http_status}, undef, 'no last_http_status');
is($row->{last_error}, 'connection refused (gave up after 3 attempts)', 'last_error says why');
is_deeply([ map { [ $_->{status}, $_->{http_status}, $_->{error} ] } @{ log_rows($node, $f1) } ],
	[ ([ 'failed', undef, 'connection refused' ]) x 2,
	  [ 'failed', undef, 'connection refused (gave up after 3 attempts)' ] ],
	'log rows of the refused attempts');
$recv->start_on_same_port;

# The receiver keeps its history across the outage; ids of the requests
# recorded after $seq.
sub ids_since
{
	my ($seq) = @_;
	return [ map { $_->{id} } @{ recorded_requests($recv, since => $seq) } ];
}
sub last_seq { my $r = recorded_requests($recv); return @$r ? $r->[-1]{seq} : 0 }

# --- nothing retries a failed event ---------------------------------------------------
is($node->safe_psql('postgres', 'SELECT failed FROM webhook_stats'), '2', 'webhook_stats: 2 failed');
my $mark = last_seq();
my $n = $recv->count;
my $probe = insert_event($node, $by->{id}, 'booking.probe', 'the worker is awake');
wait_for_status($node, $probe, 'delivered', 'a new event of the same booking is delivered');
$n++;
is($recv->wait_for_count($n + 1, 1.5), $n, 'and nothing else is sent within 1.5 s');

reload_settings($node, max_attempts => 10, webhook_url => $recv->url('/hook2'));
is($recv->wait_for_count($n + 1, 1.5), $n, 'raising max_attempts does not revive failed events');

$node->restart;
ok(wait_for_worker($node), 'worker back after a restart');
is($recv->wait_for_count($n + 1, 1.5), $n, 'a restart does not revive failed events');
is( $node->safe_psql('postgres',
		"SELECT string_agg(status || ':' || attempts, ',' ORDER BY id) FROM webhook_outbox "
		  . "WHERE event_id IN ('$e1', '$f1')"),
	'failed:3,failed:3', 'both still failed with 3 attempts');

# --- retry_failed_webhooks() ---------------------------------------------------------------
is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'), '2', 'retry_failed_webhooks() = 2');
wait_for_status($node, $_, 'delivered', 'retried event delivered') for ($e1, $f1);
is_deeply([ sort @{ ids_since($mark) } ], [ sort ($probe, $e1, $f1) ], 'each sent once more');
is_deeply([ map { [ $_->{attempt}, $_->{status} ] } @{ log_rows($node, $f1) } ],
	[ [ 1, 'failed' ], [ 2, 'failed' ], [ 3, 'failed' ], [ 4, 'success' ] ],
	'log rows continue with attempt 4');

# --- max_attempts = 1 ----------------------------------------------------------------------
reload_settings($node, max_attempts => 1, webhook_url => $recv->url('/hook3'));
$recv->config({ statuses => [503] });
$n = $recv->count;
my $g1 = insert_event($node, $bx->{id}, 'booking.once', 'one attempt only');
wait_for_status($node, $g1, 'failed', 'max_attempts = 1: failed after one 503');
is(outbox_row($node, $g1)->{last_error}, 'HTTP 503 (gave up after 1 attempts)',
	'max_attempts = 1: last_error');
is($recv->wait_for_count($n + 2, 1), $n + 1, 'max_attempts = 1: not retried');

check_nothing_lost($node, [$recv], 'max_attempts', where => "status <> 'failed'");

$node->stop;
$recv->stop;
done_testing();
