# The outbox's payload is stored compressed inline (issue #12): the trigger
# compresses it (lz4), since the row stays below the size at which the
# toaster would. Every reader decompresses it: the worker sends the same
# bytes as payload::text, the delivered row (rewritten by the record
# statement) keeps the payload compressed, and logical decoding shows the
# same JSON in the outbox's INSERT and in its delivered UPDATE.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('payload_storage',
	extra_conf => "wal_level = logical\nmax_replication_slots = 2\n");
$node->safe_psql('postgres',
	"SELECT pg_create_logical_replication_slot('storage_slot', 'test_decoding')");

my $booking = create_booking($node);
my @event_ids = map {
	insert_event($node, $booking->{id}, 'booking.noted',
		"Note $_ on the booking, as an application writes it")
} 1 .. 3;
wait_for_status($node, $_, 'delivered') for @event_ids;

my $ids = join(',', map { "'$_'" } @event_ids);
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE event_id IN ($ids) AND status = 'delivered'"
		  . " AND pg_column_compression(payload) IN ('lz4', 'pglz')"
		  . ' AND pg_column_size(payload) < octet_length(payload::text)'),
	'3',
	'the delivered rows keep their payload compressed, smaller than its text');

my $changes = $node->safe_psql('postgres',
	"SELECT string_agg(data, E'\\n') FROM pg_logical_slot_get_changes('storage_slot', NULL, NULL)"
);
for my $event_id (@event_ids)
{
	my $text = $node->safe_psql('postgres',
		"SELECT payload::text FROM webhook_outbox WHERE event_id = '$event_id'");
	my $requests = requests_for($recv, $event_id);
	ok(@$requests >= 1, "event $event_id reached the receiver");
	my $body = @$requests ? request_body($requests->[0]) : '';
	ok($body eq $text, "the body of $event_id is byte-identical to payload::text")
	  or diag("body:    $body\npayload: $text");

	my @decoded = grep { /event_id\[uuid\]:'$event_id'/ } split /\n/, $changes;
	my @inserts = grep { /table public\.webhook_outbox: INSERT:/ } @decoded;
	my @updates = grep { /table public\.webhook_outbox: UPDATE:.*status\[text\]:'delivered'/ } @decoded;
	is(scalar(@inserts), 1, "the insert of $event_id is decoded");
	ok(@updates >= 1, "its delivered update is decoded");
	my $literal = "payload[jsonb]:'$text'";
	ok((grep { index($_, $literal) >= 0 } @inserts, @updates) == @inserts + @updates,
		"decoding shows the same payload in the insert and the update of $event_id")
	  or diag(join("\n", @inserts, @updates));
}
$node->safe_psql('postgres', "SELECT pg_drop_replication_slot('storage_slot')");

$node->stop;
done_testing();
