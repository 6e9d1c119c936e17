# What a DBA runs: webhook_health() while the worker runs, after it is
# terminated and without shared_preload_libraries; test_webhook() against the
# receiver (success and failures); automatic retention by the worker.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('operations',
	log_retention_days => 1);
wait_for_worker($node);

sub health
{
	return decode_json($node->safe_psql('postgres', 'SELECT webhook_health()::text'));
}

# --- webhook_health() -----------------------------------------------------------
my $b = create_booking($node);
my $event_id = insert_event($node, $b->{id}, 'booking.confirmed', 'for health');
wait_for_status($node, $event_id, 'delivered');
my $health = health();
ok($health->{worker_loaded}, 'health: library loaded');
ok($health->{worker_running}, 'health: worker running');
is($health->{worker_pid}, worker_pid($node), 'health: the worker pid');
is($health->{worker_database}, 'postgres', 'health: the worker database');
is($health->{webhook_host}, '127.0.0.1', 'health: the host, nothing more');
is($health->{pending}, 0, 'health: nothing pending');
ok(defined $health->{last_success_at}, 'health: last success recorded');
ok(defined $health->{worker_last_loop_at}, 'health: last loop recorded');

my $old_pid = worker_pid($node);
$node->safe_psql('postgres', "SELECT pg_terminate_backend($old_pid)");
$node->poll_query_until('postgres',
	"SELECT NOT (webhook_health()->>'worker_running')::boolean "
	  . "OR (webhook_health()->>'worker_pid')::int <> $old_pid")
  or die 'terminated worker still reported';
$node->poll_query_until('postgres',
	"SELECT (webhook_health()->>'worker_running')::boolean "
	  . "AND (webhook_health()->>'worker_pid')::int <> $old_pid")
  or die 'no new worker';
pass('after the worker is terminated, the launcher starts a new one and health shows it');
$event_id = insert_event($node, $b->{id}, 'booking.after_restart', 'new worker');
wait_for_status($node, $event_id, 'delivered');

# --- The verdict and its thresholds -------------------------------------------------
# Attempts of the last 15 minutes and the oldest pending event decide
# between ok, degraded and failing (README, Monitoring).
sub verdict
{
	my $h = health();
	return ($h->{status}, join(' / ', @{ $h->{reasons} }));
}
my ($status, $reasons) = verdict();
is($status, 'ok', 'verdict: ok while delivering') or diag($reasons);
$node->safe_psql('postgres', q{
	UPDATE webhook_logs SET created_at = now() - interval '1 hour';
	INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status)
	SELECT gen_random_uuid(), 'verdict', 1, 'failed', 503 FROM generate_series(1, 3);
});
($status, $reasons) = verdict();
is($status, 'failing', 'verdict: failing when every recent attempt failed');
like($reasons, qr/all 3 delivery attempts of the last 15 minutes failed/, 'with the reason');
$node->safe_psql('postgres', q{
	INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status)
	SELECT gen_random_uuid(), 'verdict', 1, 'success', 200 FROM generate_series(1, 9);
});
($status, $reasons) = verdict();
is($status, 'degraded', 'verdict: degraded at 25% failed attempts');
like($reasons, qr/3 of 12 delivery attempts/, 'with the reason');
$node->safe_psql('postgres', q{
	INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status)
	SELECT gen_random_uuid(), 'verdict', 1, 'success', 200 FROM generate_series(1, 8);
});
is((verdict())[0], 'ok', 'verdict: ok under 20%');
# A failing test_webhook() is not a delivery.
$node->safe_psql('postgres', q{
	INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status, is_test)
	SELECT gen_random_uuid(), 'webhook.test', 1, 'failed', 500, true FROM generate_series(1, 50);
});
is((verdict())[0], 'ok', 'verdict: test_webhook() attempts do not count');
$node->safe_psql('postgres', q{
	INSERT INTO webhook_outbox (event_id, event_type, payload, created_at, next_attempt_at)
	VALUES (gen_random_uuid(), 'verdict.waiting', '{}', now() - interval '10 minutes',
	        now() + interval '1 day');
});
($status, $reasons) = verdict();
is($status, 'degraded', 'verdict: degraded when an event waits over 5 minutes');
like($reasons, qr/oldest pending event has waited \d+ seconds \(over 5 minutes\)/, 'with the reason');
$node->safe_psql('postgres',
	"UPDATE webhook_outbox SET created_at = now() - interval '2 hours' WHERE event_type = 'verdict.waiting'");
is((verdict())[0], 'failing', 'verdict: failing when an event waits over an hour');
$node->safe_psql('postgres', q{
	DELETE FROM webhook_outbox WHERE event_type = 'verdict.waiting';
	DELETE FROM webhook_logs WHERE event_type IN ('verdict', 'webhook.test');
});

# --- test_webhook() --------------------------------------------------------------
my $outbox_before = $node->safe_psql('postgres', 'SELECT count(*) FROM webhook_outbox');
my $result = $node->safe_psql('postgres',
	"SELECT success, status_code, response_time_ms > 0, error IS NULL FROM test_webhook()");
is($result, 't|200|t|t', 'test_webhook succeeds against the receiver');
my ($test_req) = grep { ($_->{headers}{'user-agent'} // '') =~ /booking_events/
	  && $_->{body} =~ /"webhook\.test"/ } @{ $recv->requests };
ok($test_req, 'the receiver got a webhook.test event');
is(decode_json($test_req->{body})->{event_type}, 'webhook.test', 'its event_type');
is($test_req->{headers}{'webhook-id'}, decode_json($test_req->{body})->{event_id},
	'with the same headers as the worker sends');
is($node->safe_psql('postgres',
		"SELECT status || '|' || http_status FROM webhook_logs WHERE event_type = 'webhook.test'"),
	'success|200', 'logged in webhook_logs');
is($node->safe_psql('postgres', "SELECT bool_and(is_test) FROM webhook_logs WHERE event_type = 'webhook.test'"),
	't', 'marked as a test');
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_stats_by_event_type WHERE event_type = 'webhook.test'"),
	0, 'and left out of the statistics');
is($node->safe_psql('postgres', 'SELECT count(*) FROM webhook_outbox'), $outbox_before,
	'the outbox is not touched');

$recv->config({ default_status => 500 });
is($node->safe_psql('postgres', 'SELECT success, status_code, error FROM test_webhook()'),
	'f|500|HTTP 500', 'a 500 is reported');
$recv->config({});
my $port = $recv->port;
$recv->stop;
my $refused = $node->safe_psql('postgres',
	'SELECT success, status_code IS NULL, error FROM test_webhook()');
like($refused, qr/^f\|t\|.*(refused|connect)/i, 'a closed port is reported as a connection error');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_logs WHERE event_type = 'webhook.test' AND status = 'failed'"),
	2, 'both failures are logged');
$recv->start_on_same_port;

# --- Retention --------------------------------------------------------------------
# Old rows of every kind; the worker removes old logs and old delivered
# events, and keeps pending and failed events whatever their age.
$node->safe_psql('postgres', q{
	INSERT INTO webhook_logs (event_id, event_type, attempt, status, created_at)
	SELECT gen_random_uuid(), 'old', 1, 'success', now() - interval '3 days'
	FROM generate_series(1, 12000);
	UPDATE webhook_outbox SET delivered_at = now() - interval '3 days' WHERE status = 'delivered';
	INSERT INTO webhook_outbox (event_id, event_type, payload, status, created_at, next_attempt_at)
	VALUES (gen_random_uuid(), 'old.failed', '{}', 'failed', now() - interval '9 days', now()),
	       (gen_random_uuid(), 'old.pending', '{}', 'pending', now() - interval '9 days',
	        now() + interval '1 day');
});
my $offset = -s $node->logfile;
# Retention runs when a worker starts, then hourly.
$node->safe_psql('postgres', 'SELECT pg_terminate_backend(' . worker_pid($node) . ')');
$node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM webhook_logs WHERE event_type = 'old'")
  or die 'old log rows not deleted';
pass('old webhook_logs rows deleted by the worker, in several chunks');
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status = 'delivered'"),
	0, 'old delivered events deleted');
is($node->safe_psql('postgres',
		"SELECT string_agg(event_type, ',' ORDER BY event_type) FROM webhook_outbox"),
	'old.failed,old.pending', 'pending and failed events kept');
cmp_ok($node->safe_psql('postgres', "SELECT count(*) FROM webhook_logs WHERE event_type = 'webhook.test'"),
	'==', 3, 'recent log rows kept');
ok($node->wait_for_log(qr/retention deleted \d+ rows older than 1 days/, $offset),
	'one log line for the whole retention pass');

# --- Without shared_preload_libraries -------------------------------------------------
my $plain = PostgreSQL::Test::Cluster->new('no_preload');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION booking_events');
my $plain_health = decode_json($plain->safe_psql('postgres', 'SELECT webhook_health()::text'));
ok(!$plain_health->{worker_loaded}, 'without preload: library not loaded at start');
ok(!$plain_health->{worker_running}, 'without preload: the worker is not running');
is($plain_health->{status}, 'down', 'without preload: status down');
like(join(' / ', @{ $plain_health->{reasons} }), qr/shared_preload_libraries/, 'saying why');
like($plain->safe_psql('postgres', 'SELECT array_to_string(errors, \' / \') FROM validate_webhook_config()'),
	qr/shared_preload_libraries/, 'validate_webhook_config says why');
$plain->stop;

$recv->stop;
done_testing();
