# The trigger compresses the outbox's payload with lz4 itself (one state per
# process, reset fast before each payload): the worker reads each body
# through PostgreSQL's decompression and sends the bytes payload::text
# shows, with the description as it was inserted, for payloads of every
# size, written one by one and many in one statement (the state reused).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('payload_lz4_body');
my $booking = create_booking($node);
my $id = $booking->{id};

# base64 of SHA-256 digests: lz4 cannot shorten it; past 64 kB (lz4's
# window) neither of the payload's two copies of the description refers to
# the other, and the payload is stored plain.
my $noise = "(SELECT string_agg(encode(sha256(convert_to('n' || i, 'UTF8')), 'base64'), '')"
  . " FROM generate_series(1, 1600) i)";
$node->safe_psql('postgres', <<"SQL");
INSERT INTO booking_events (booking_id, event_type, description) VALUES
    (NULL, 'booking.noted', 'small'),
    ('$id', 'booking.noted', 'typical: confirmed by the provider');
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES ('$id', 'booking.noted', 'large: ' || repeat('Moved to the afternoon. ', 2000));
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES (NULL, 'booking.noted', 'incompressible: ' || $noise);
INSERT INTO booking_events (booking_id, event_type, description)
SELECT CASE WHEN g % 2 = 0 THEN '$id'::uuid END, 'booking.noted',
       'row ' || g || ': ' || repeat('Row of one statement. ', g * 5)
FROM generate_series(1, 40) g;
SQL
wait_for_drain($node, 'every event delivered');

my @rows = split /\n/, $node->safe_psql('postgres', <<'SQL');
SELECT o.event_id, o.id, coalesce(pg_column_compression(o.payload), 'plain')
FROM webhook_outbox o ORDER BY o.id
SQL
is(scalar(@rows), 44, 'one outbox row per inserted event');
my %stored;
for my $row (@rows)
{
	my ($event_id, $outbox_id, $compression) = split /\|/, $row;
	$stored{$compression}++;
	my $text = $node->safe_psql('postgres',
		"SELECT payload::text FROM webhook_outbox WHERE id = $outbox_id");
	my $description = $node->safe_psql('postgres',
		"SELECT b.description FROM booking_events b JOIN webhook_outbox o"
		  . " ON b.id = (o.payload->'booking_event'->>'id')::bigint WHERE o.id = $outbox_id");
	my $requests = requests_for($recv, $event_id);
	my $body = @$requests ? request_body($requests->[0]) : '';
	my $label = substr($description, 0, 16);
	ok($body eq $text, "the body of \"$label\" ($compression) is payload::text, byte for byte")
	  or diag('body of ' . length($body) . ' bytes, payload::text of ' . length($text));
	my $sent = @$requests ? request_json($requests->[0]) : {};
	is($sent->{booking_event}{description} // '', $description,
		"the body of \"$label\" carries the description as inserted");
}
is($stored{plain} // 0, 1, 'the incompressible payload is stored plain');
is($stored{lz4} // 0, 43, 'every other payload is stored lz4-compressed');

$node->stop;
done_testing();
