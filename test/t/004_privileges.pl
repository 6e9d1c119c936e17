# An application role with only INSERT on booking_events and UPDATE on
# bookings fires both triggers (events are queued and delivered), but cannot
# read or change the extension's tables, call its admin functions, or see
# its secret settings.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $api_key = 'test-api-key-7f3a9c';
my ($node, $recv) = node_with_receiver('privileges',
	api_key => $api_key,
	backoff_base_ms => 200);
my $b = create_booking($node);

$node->safe_psql('postgres', <<'SQL');
CREATE ROLE app_user LOGIN;
GRANT INSERT ON booking_events TO app_user;
GRANT USAGE ON SEQUENCE booking_events_id_seq TO app_user;
GRANT UPDATE ON bookings TO app_user;
SQL

my @as_app = (extra_params => [ '-U', 'app_user' ]);

# Run as app_user; returns (stdout, stderr) and whether psql succeeded.
sub as_app
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql, @as_app);
	return ($ret == 0, $out, $err);
}

# --- the triggers fire for the application role -------------------------------
# The event the trigger queued since outbox id $after, or '' (none).
sub event_after
{
	my ($after) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce((SELECT event_id::text FROM webhook_outbox WHERE id > $after ORDER BY id LIMIT 1), '')"
	);
}
my $max_id = $node->safe_psql('postgres', 'SELECT coalesce(max(id), 0) FROM webhook_outbox');

my ($ok, $out, $err) = as_app(
	"INSERT INTO booking_events (booking_id, event_type, description) "
	  . "VALUES ('$b->{id}', 'booking.confirmed', 'by app_user')");
ok($ok, 'app_user can insert into booking_events') or diag($err);
my $insert_event = event_after($max_id);
ok($insert_event ne '', 'INSERT trigger queued an event');
$max_id = $node->safe_psql('postgres', 'SELECT coalesce(max(id), 0) FROM webhook_outbox');

# Without SELECT on bookings the UPDATE cannot have a WHERE clause; the table
# holds this one booking.
($ok, $out, $err) = as_app("UPDATE bookings SET status = 'confirmed'");
ok($ok, 'app_user can update bookings') or diag($err);
my $update_event = event_after($max_id);
ok($update_event ne '', 'UPDATE trigger queued an event');

SKIP:
{
	skip 'the triggers queued no events for app_user', 8
	  unless $insert_event ne '' && $update_event ne '';
	is(outbox_row($node, $insert_event)->{event_type}, 'booking.confirmed',
		'event type of the INSERT');
	is(outbox_row($node, $update_event)->{event_type}, 'booking.status_changed',
		'event type of the status change');
	wait_for_status($node, $insert_event, 'delivered');
	wait_for_status($node, $update_event, 'delivered');
	is_deeply(body_ids($recv), [ $insert_event, $update_event ], 'both delivered, in order');
	my $json = request_json(requests_for($recv, $update_event)->[0]);
	is($json->{booking_event}{old_status}, 'pending', 'old_status');
	is($json->{booking_event}{new_status}, 'confirmed', 'new_status');
	is($recv->requests->[0]{headers}{'x-make-apikey'}, $api_key, 'x-make-apikey header sent');
}

# --- no access to the extension's objects ----------------------------------------
for my $table (qw(webhook_outbox webhook_logs webhook_stats))
{
	($ok, $out, $err) = as_app("SELECT * FROM $table");
	ok(!$ok, "app_user cannot SELECT $table");
	like($err, qr/permission denied for (table|view) $table/, "$table: permission denied");
}
($ok, $out, $err) = as_app(
	"INSERT INTO webhook_outbox (event_id, event_type, payload) VALUES (gen_random_uuid(), 'x', '{}')");
like($err, qr/permission denied for table webhook_outbox/, 'app_user cannot INSERT into webhook_outbox');
($ok, $out, $err) = as_app("UPDATE webhook_outbox SET status = 'pending'");
like($err, qr/permission denied for table webhook_outbox/, 'app_user cannot UPDATE webhook_outbox');
($ok, $out, $err) = as_app("DELETE FROM webhook_logs");
like($err, qr/permission denied for table webhook_logs/, 'app_user cannot DELETE from webhook_logs');

for my $call ('retry_failed_webhooks()', 'cleanup_webhook_logs(0)',
	"manually_trigger_webhook('bookings', '$b->{id}')", 'test_webhook()',
	'webhook_health()', 'validate_webhook_config()', 'booking_events_wake_worker()')
{
	(my $fname = $call) =~ s/\(.*//;
	($ok, $out, $err) = as_app("SELECT $call");
	ok(!$ok, "app_user cannot call $fname");
	like($err, qr/permission denied for function $fname/, "$fname: permission denied");
}

# --- secrets stay hidden ---------------------------------------------------------
($ok, $out, $err) = as_app('SHOW booking_events.api_key');
ok(!$ok, 'app_user cannot SHOW booking_events.api_key');
unlike($out . $err, qr/\Q$api_key\E/, 'the API key is not shown');
($ok, $out, $err) = as_app(
	"SELECT count(*) FROM pg_settings WHERE name IN ('booking_events.api_key', 'booking_events.signing_secret')");
is($out, '0', 'secret settings are not in pg_settings for app_user');

# Nor in the server log, even when they change on a reload. (The TAP
# framework sets log_statement = all, so they are changed in the file, not
# with ALTER SYSTEM.)
my $new_key = 'rotated-api-key-5e1d';
my $new_secret = 'whsec_' . 'cm90YXRlZC1zaWduaW5nLXNlY3JldA==';
my $offset = -s $node->logfile;
$node->append_conf('postgresql.conf',
	conf_line(api_key => $new_key) . conf_line(signing_secret => $new_secret));
$node->reload;
$node->wait_for_log(qr/received SIGHUP/, $offset);
# One more delivery, so the worker has surely read the new values too.
my $after_reload = insert_event($node, $b->{id}, 'booking.after_reload', 'after rotating secrets');
wait_for_status($node, $after_reload, 'delivered');
my $log = slurp_file($node->logfile, $offset);
# PostgreSQL logs "parameter ... changed to ..." on reload; the extension's
# log hook takes the value out for secret settings.
ok(index($log, $new_key) < 0, 'a new api_key is not in the server log');
ok(index($log, 'cm90YXRlZC1zaWduaW5nLXNlY3JldA') < 0,
	'a new signing_secret is not in the server log');
ok(index(slurp_file($node->logfile), $api_key) < 0,
	'the api_key set at start is not in the server log');

# The superuser still sees everything, and nothing app_user tried changed it.
my $queued = ($insert_event ne '') + ($update_event ne '') + 1;
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE status = 'delivered'"),
	$queued, 'superuser sees the delivered events');
is($recv->wait_for_count($queued + 1, 1), $queued, 'no other request was sent');

$node->stop;
$recv->stop;
done_testing();
