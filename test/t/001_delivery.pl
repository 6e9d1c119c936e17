# Delivery of one event: the wire format of the contract (method, headers,
# byte-identical body, JSON shape), the outbox and webhook_logs bookkeeping,
# a bookings status change, the background processes, and rollbacks that
# send nothing.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('delivery',
	backoff_base_ms => 200,
	backoff_max_ms => 2000);

my $version = $node->safe_psql('postgres',
	"SELECT extversion FROM pg_extension WHERE extname = 'booking_events'");
is($version, '1.5.0', 'extension version');

# --- background processes -------------------------------------------------
ok(wait_for_worker($node), 'delivery worker shows in pg_stat_activity');
is( $node->safe_psql('postgres',
		"SELECT datname FROM pg_stat_activity WHERE backend_type = 'booking_events worker'"),
	'postgres',
	'worker is connected to booking_events.database_name');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'booking_events launcher'"),
	'launcher shows in pg_stat_activity');

# --- one booking event, end to end -----------------------------------------
# Non-ASCII and JSON-special characters, to check the bytes really are the same.
my $b = create_booking($node,
	client_name => "Zo\xc3\xab M\xc3\xbcller",    # UTF-8 bytes of "Zoë Müller"
	company_name => 'ACME "Events" Ltd');
my $user_id = $node->safe_psql('postgres', 'SELECT gen_random_uuid()');
my $description = "Booking confirmed \xe2\x9c\x94 \"VIP\" \\ path\nsecond line";

my $before = time();
my $event_id = insert_event($node, $b->{id}, 'booking.confirmed', $description,
	user_id => $user_id);
like($event_id, qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
	'event_id is a v4 uuid');

wait_for_status($node, $event_id, 'delivered');
is($recv->wait_for_count(1, 30), 1, 'receiver got one request');

my $reqs = requests_for($recv, $event_id);
is(scalar @$reqs, 1, 'exactly one request carries the event id');
my $req = $reqs->[0];
is($req->{method}, 'POST', 'method is POST');
is($req->{path}, '/hook', 'path of the webhook URL');
is($req->{headers}{'content-type'}, 'application/json', 'Content-Type');
is($req->{headers}{'user-agent'}, "booking_events/$version", 'User-Agent');
is($req->{headers}{'webhook-id'}, $event_id, 'webhook-id is the outbox event_id');
my $ts = $req->{headers}{'webhook-timestamp'} // '';
like($ts, qr/^\d+$/, 'webhook-timestamp is unix seconds');
ok(abs($ts - $req->{time}) <= 5, "webhook-timestamp $ts is close to arrival $req->{time}");
ok($ts >= $before - 5 && $ts <= time() + 5, 'webhook-timestamp is close to now');
ok(!exists $req->{headers}{'x-make-apikey'}, 'no x-make-apikey without api_key');
ok(!exists $req->{headers}{'webhook-signature'}, 'no signature without signing_secret');

my $payload_text = $node->safe_psql('postgres',
	"SELECT payload::text FROM webhook_outbox WHERE event_id = '$event_id'");
my $body = request_body($req);
ok($body eq $payload_text, 'body is byte-identical to webhook_outbox.payload::text')
  or diag("body:    $body\npayload: $payload_text");

my $json = request_json($req);
is_deeply([ sort keys %$json ],
	[ sort qw(event_id event_type event_time source booking_event booking_details
		  client_info provider_info system) ],
	'top-level keys of the contract');
is($json->{event_id}, $event_id, 'event_id');
is($json->{event_type}, 'booking.confirmed', 'event_type from the event_type column');
like($json->{event_time}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'event_time is ISO 8601 UTC');
is($json->{source}, 'contract-management-system', 'source default');

my $be = $json->{booking_event};
is($be->{booking_id}, $b->{id}, 'booking_event.booking_id');
is($be->{event_type}, 'booking.confirmed', 'booking_event.event_type');
is(Encode_utf8($be->{description}), $description, 'booking_event.description (UTF-8, escapes)');
is($be->{table}, 'booking_events', 'booking_event.table');
is($be->{operation}, 'INSERT', 'booking_event.operation');
ok(defined $be->{id}, 'booking_event.id');
is(ref $be->{record}, 'HASH', 'booking_event.record is an object');
is($be->{record}{booking_id}, $b->{id}, 'record.booking_id');
is($be->{record}{user_id}, $user_id, 'record.user_id');
ok(exists $be->{record}{created_at}, 'record.created_at');
ok(!exists $be->{old_record}, 'no old_record on INSERT');

my $bd = $json->{booking_details};
is($bd->{id}, $b->{id}, 'booking_details.id');
is($bd->{booking_number}, $b->{booking_number}, 'booking_details.booking_number');
is($bd->{client_id}, $b->{client_id}, 'booking_details.client_id');
is($bd->{provider_id}, $b->{provider_id}, 'booking_details.provider_id');
is($bd->{status}, 'pending', 'booking_details.status');
ok(defined $bd->{total_price} && $bd->{total_price} == 149.90, 'booking_details.total_price');

is($json->{client_info}{id}, $b->{client_id}, 'client_info.id');
is(Encode_utf8($json->{client_info}{name}), $b->{client_name}, 'client_info.name from full_name');
is($json->{client_info}{email}, $b->{client_email}, 'client_info.email');
is($json->{provider_info}{id}, $b->{provider_id}, 'provider_info.id');
is($json->{provider_info}{name}, $b->{provider_name}, 'provider_info.name');
is($json->{provider_info}{email}, $b->{provider_email}, 'provider_info.email');
is($json->{provider_info}{company_name}, $b->{company_name}, 'provider_info.company_name');

is_deeply([ sort keys %{ $json->{system} } ],
	[qw(database environment timestamp version)], 'system keys');
is($json->{system}{environment}, 'production', 'system.environment default');
is($json->{system}{database}, 'postgres', 'system.database');
is($json->{system}{version}, $version, 'system.version');
like($json->{system}{timestamp}, qr/^\d{4}-\d\d-\d\dT/, 'system.timestamp');

my $row = outbox_row($node, $event_id);
is($row->{status}, 'delivered', 'outbox status delivered');
is($row->{attempts}, 1, 'outbox attempts 1');
is($row->{last_http_status}, 200, 'outbox last_http_status 200');
ok(defined $row->{delivered_at}, 'outbox delivered_at set');
is($row->{last_error}, undef, 'outbox last_error empty');
is($row->{event_type}, 'booking.confirmed', 'outbox event_type');
is($row->{booking_id}, $b->{id}, 'outbox booking_id');

my $logs = log_rows($node, $event_id);
is(scalar @$logs, 1, 'one webhook_logs row');
is($logs->[0]{attempt}, 1, 'log attempt 1');
is($logs->[0]{status}, 'success', 'log status success');
is($logs->[0]{http_status}, 200, 'log http_status 200');
is($logs->[0]{event_type}, 'booking.confirmed', 'log event_type');
ok(defined $logs->[0]{response_time_ms} && $logs->[0]{response_time_ms} >= 0,
	'log response_time_ms');
is($logs->[0]{error}, undef, 'log error empty');

# --- a NULL event_type -------------------------------------------------------
my $null_type_id = insert_event($node, $b->{id}, undef, 'no type');
wait_for_status($node, $null_type_id, 'delivered');
is(outbox_row($node, $null_type_id)->{event_type}, 'booking_event.created',
	'NULL event_type gives booking_event.created');

# --- a status change on bookings --------------------------------------------
$recv->reset;
$node->safe_psql('postgres',
	"UPDATE bookings SET status = 'confirmed' WHERE id = '$b->{id}'");
my $change_id = last_event_id($node);
wait_for_status($node, $change_id, 'delivered');
my $change = outbox_row($node, $change_id);
is($change->{event_type}, 'booking.status_changed', 'status change event type');
is($change->{booking_id}, $b->{id}, 'status change booking_id is bookings.id');
$reqs = requests_for($recv, $change_id);
is(scalar @$reqs, 1, 'status change delivered once');
$json = request_json($reqs->[0]);
is($json->{event_type}, 'booking.status_changed', 'payload event_type');
is($json->{booking_event}{table}, 'bookings', 'payload table');
is($json->{booking_event}{operation}, 'UPDATE', 'payload operation');
is($json->{booking_event}{old_status}, 'pending', 'old_status');
is($json->{booking_event}{new_status}, 'confirmed', 'new_status');
is($json->{booking_event}{record}{status}, 'confirmed', 'record has the new row');
is($json->{booking_event}{old_record}{status}, 'pending', 'old_record has the old row');
is($json->{booking_details}{status}, 'confirmed', 'booking_details is the new row');
is($json->{client_info}{id}, $b->{client_id}, 'client_info on a bookings event');
ok(request_body($reqs->[0]) eq $node->safe_psql('postgres',
		"SELECT payload::text FROM webhook_outbox WHERE event_id = '$change_id'"),
	'status change body is byte-identical to the payload');

# An update that leaves the status alone does not fire (trigger WHEN clause).
my $count_before = $node->safe_psql('postgres', 'SELECT count(*) FROM webhook_outbox');
$node->safe_psql('postgres', "UPDATE bookings SET total_price = 200 WHERE id = '$b->{id}'");
is($node->safe_psql('postgres', 'SELECT count(*) FROM webhook_outbox'),
	$count_before, 'update without status change queues nothing');

# --- rollbacks send nothing ---------------------------------------------------
$recv->reset;
my $rolled_back = $node->safe_psql('postgres', <<"SQL");
BEGIN;
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES ('$b->{id}', 'booking.rolled_back', 'must never be sent');
UPDATE bookings SET status = 'cancelled' WHERE id = '$b->{id}';
ROLLBACK;
BEGIN;
SAVEPOINT s;
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES ('$b->{id}', 'booking.rolled_back', 'subtransaction rolled back');
ROLLBACK TO SAVEPOINT s;
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES ('$b->{id}', 'booking.kept', 'committed after a rolled back savepoint');
COMMIT;
SQL
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE event_type = 'booking.rolled_back' "
		  . "OR payload->'booking_event'->>'new_status' = 'cancelled'"),
	'0', 'no outbox row for rolled back work');
my $kept_id = last_event_id($node);
is(outbox_row($node, $kept_id)->{event_type}, 'booking.kept', 'the committed event is queued');

# Once a later committed event has arrived, the worker has certainly looked.
my $after_id = insert_event($node, $b->{id}, 'booking.after_rollback', 'marker');
wait_for_status($node, $after_id, 'delivered');
wait_for_status($node, $kept_id, 'delivered');
my @ids = @{ body_ids($recv) };
is_deeply(\@ids, [ $kept_id, $after_id ],
	'receiver got only the committed events, in order');
ok(!grep({ request_body($_) =~ /rolled_back|cancelled/ } @{ $recv->requests }),
	'no rolled back content reached the receiver');

$node->stop;
$recv->stop;
done_testing();

sub Encode_utf8
{
	my ($text) = @_;
	return undef unless defined $text;
	my $copy = $text;
	utf8::encode($copy);
	return $copy;
}
