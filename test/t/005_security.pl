# Security from the outside: Standard Webhooks signatures checked with
# openssl (an implementation that is not ours), secret rotation, the
# Make.com API key header, redirects not followed, an oversized response that
# does not grow the worker, and secrets that never reach the server log.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use File::Temp ();
use MIME::Base64 qw(decode_base64 encode_base64);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

# Two keys, for rotation: the new one first. Their bytes include a NUL and
# high bytes, as a whsec_ key may.
my $key_new = "new-key\x00\xff\x10 rotation 2026";
my $key_old = 'the-old-signing-key-0123456789';
my $secret_new = 'whsec_' . encode_base64($key_new, '');
my $api_key = 'make-api-key-7f3a9c';
my $url_password = 's3cr3t-pa55';
my $url_token = 't0ken-in-query';

my $recv = start_receiver();
my $hook_url = $recv->url('/hook');
(my $secret_url = $hook_url) =~ s{^http://}{http://hookuser:$url_password\@};
$secret_url .= "?token=$url_token";

my $node = new_node('security',
	webhook_url => $secret_url,
	signing_secret => "$secret_new $key_old",
	api_key => $api_key,
	backoff_base_ms => 100,
	max_attempts => 2,
	no_start => 1);
# The test's own statements are not what is checked: the server's are.
$node->append_conf('postgresql.conf', "log_statement = none\n");
$node->start;
create_app_schema($node);
my $b = create_booking($node);

# openssl computes the HMAC, over the exact bytes the receiver got.
sub openssl_signature
{
	my ($key, $signed) = @_;
	my $file = File::Temp->new;
	binmode $file;
	print $file $signed;
	close $file;
	my $hexkey = unpack('H*', $key);
	my $mac = `openssl dgst -sha256 -mac HMAC -macopt hexkey:$hexkey -binary < $file`;
	die "openssl failed" if $? != 0;
	return 'v1,' . encode_base64($mac, '');
}

# --- Signatures, rotation, API key -------------------------------------------
my $event_id = insert_event($node, $b->{id}, 'booking.confirmed', 'signed event');
wait_for_status($node, $event_id, 'delivered');
my ($req) = @{ requests_for($recv, $event_id) };
my $headers = $req->{headers};
my $body = decode_base64($req->{body_b64});
my $signed = "$headers->{'webhook-id'}.$headers->{'webhook-timestamp'}.$body";
my @signatures = split / /, $headers->{'webhook-signature'} // '';
is(scalar @signatures, 2, 'two secrets configured: two signatures, space-separated');
is($signatures[0], openssl_signature($key_new, $signed),
	'first signature is HMAC-SHA256 with the new key (checked with openssl)');
is($signatures[1], openssl_signature($key_old, $signed),
	'second signature is HMAC-SHA256 with the old raw key (checked with openssl)');
is($headers->{'webhook-id'}, $event_id, 'webhook-id is the event id');
is($headers->{'x-make-apikey'}, $api_key, 'x-make-apikey carries the API key');
like($headers->{authorization} // '', qr/^Basic /, 'credentials in the URL become basic auth');

# Rotation done: only the new secret, after a reload.
$node->append_conf('postgresql.conf', conf_line(signing_secret => $secret_new));
$node->reload;
$node->poll_query_until('postgres',
	"SELECT length(current_setting('booking_events.signing_secret')) = " . length($secret_new))
  or die 'reload not seen';
my $offset = -s $node->logfile;
$node->safe_psql('postgres', 'SELECT pg_sleep(0.3)');    # the worker reloads on its own SIGHUP
$event_id = insert_event($node, $b->{id}, 'booking.paid', 'after rotation');
wait_for_status($node, $event_id, 'delivered');
($req) = @{ requests_for($recv, $event_id) };
$body = decode_base64($req->{body_b64});
$signed = "$req->{headers}{'webhook-id'}.$req->{headers}{'webhook-timestamp'}.$body";
is($req->{headers}{'webhook-signature'}, openssl_signature($key_new, $signed),
	'after rotation: one signature, with the new key');

# --- Redirects are not followed ------------------------------------------------
$recv->config({ mode => 'redirect', redirect_to => $recv->url('/elsewhere') });
$event_id = insert_event($node, $b->{id}, 'booking.redirected', 'answered with 302');
wait_for_status($node, $event_id, 'failed');
my $row = outbox_row($node, $event_id);
is($row->{last_http_status}, 302, 'a 302 is recorded as the answer');
like($row->{last_error}, qr/302 \(not retried\)/, 'and fails the event at once');
is(scalar(grep { $_->{path} eq '/elsewhere' } @{ $recv->requests }), 0,
	'the redirect target was never requested');

# --- An oversized response does not grow the worker ---------------------------
$recv->config({ mode => 'huge', huge_bytes => 200 * 1024 * 1024 });
my $pid = worker_pid($node);
$event_id = insert_event($node, $b->{id}, 'booking.huge', 'answered with 200 MB');
wait_for_status($node, $event_id, 'delivered');
my $status = slurp_file("/proc/$pid/status");
my ($peak_kb) = $status =~ /^VmHWM:\s+(\d+) kB/m;
cmp_ok($peak_kb, '<', 100 * 1024, "worker peak RSS stays small ($peak_kb kB) after a 200 MB answer");
is(worker_pid($node), $pid, 'the worker is still the same process');

# --- Secrets never reach the server log ----------------------------------------
# A failing delivery to the URL with credentials, a reload that changes the
# API key and the secret, and a rejected value: then read the whole log.
$recv->config({ default_status => 503 });
$event_id = insert_event($node, $b->{id}, 'booking.failing', 'fails twice');
wait_for_status($node, $event_id, 'failed');
my $rotated_key = 'rotated-api-key-5e1d';
my $rotated_secret = 'whsec_' . encode_base64('rotated signing secret value', '');
$node->append_conf('postgresql.conf',
	conf_line(api_key => $rotated_key) . conf_line(signing_secret => $rotated_secret));
$node->reload;
$node->poll_query_until('postgres',
	"SELECT current_setting('booking_events.api_key') = '$rotated_key'")
  or die 'reload not seen';
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"ALTER SYSTEM SET booking_events.signing_secret = 'whsec_not*base64*$url_password'");
isnt($ret, 0, 'an invalid secret is rejected');
unlike($stderr, qr/\Q$url_password\E/, 'and the rejection does not echo it');
# Even a logged statement that sets a secret loses the value.
my $statement_secret = 'statement-secret-91b2';
$node->safe_psql('postgres', "SET log_statement = 'all';\n"
	  . "ALTER SYSTEM SET booking_events.api_key = '$statement_secret';\n"
	  . "ALTER SYSTEM RESET booking_events.api_key;");
$recv->config({});
$event_id = insert_event($node, $b->{id}, 'booking.after', 'after the reload');
wait_for_status($node, $event_id, 'delivered');

my $log = slurp_file($node->logfile);
like($log, qr/parameter "booking_events\.api_key" changed to "\*\*\*"/,
	'the reload is logged, without the value');
like($log, qr/ALTER SYSTEM SET booking_events\.api_key = '\*\*\*'/,
	'a logged ALTER SYSTEM shows *** for the value');
for my $secret ($api_key, $rotated_key, $statement_secret, $url_password, $url_token, $key_old,
	encode_base64($key_new, ''), 'cm90YXRlZCBzaWduaW5nIHNlY3JldCB2YWx1ZQ')
{
	ok(index($log, $secret) < 0, "server log does not contain '$secret'");
}
my $logged_errors = $node->safe_psql('postgres',
	"SELECT string_agg(coalesce(error, ''), ' ') FROM webhook_logs");
ok(index($logged_errors, $url_password) < 0 && index($logged_errors, $url_token) < 0,
	'webhook_logs errors carry no credentials');
my $health = $node->safe_psql('postgres', 'SELECT webhook_health()::text');
like($health, qr/"webhook_host": "127\.0\.0\.1"/, 'webhook_health shows the host');
ok(index($health, $url_password) < 0 && index($health, $url_token) < 0
	  && index($health, $rotated_key) < 0,
	'webhook_health shows no secret');

$recv->stop;
done_testing();
