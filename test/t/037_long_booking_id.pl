# A booking_id of any length: the application's INSERT never fails because of
# the outbox (the per-booking index holds a hash of booking_id, not the value:
# a btree entry over about 2,700 bytes is an error), and events of one such
# booking are still delivered one after the other, in the order written.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('long_booking_id',
	receiver => { quiet => 1 },
	backoff_base_ms => 50,
	backoff_max_ms => 200);
# Every event fails its first attempt: a later event of the booking must
# wait for the retry of the earlier one.
$recv->config({ fail_first_per_event => 1 });
$node->safe_psql('postgres', <<'SQL');
CREATE TABLE contract_events (
    id bigserial PRIMARY KEY,
    booking_id text NOT NULL,
    event_type text NOT NULL,
    description text
);
CREATE TRIGGER contract_events_webhook_trigger
    AFTER INSERT ON contract_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();
-- 10 kB of hex that compresses poorly; two ids that differ in the last byte.
CREATE TABLE long_ids AS
SELECT prefix || 'a' AS first_id, prefix || 'b' AS second_id
FROM (SELECT string_agg(md5(g::text || random()::text), '') AS prefix
      FROM generate_series(1, 320) g) p;
SQL

my ($ok, $stdout, $stderr) = (0, '', '');
my $rc = $node->psql('postgres', <<'SQL', stdout => \$stdout, stderr => \$stderr);
INSERT INTO contract_events (booking_id, event_type, description)
SELECT CASE WHEN g % 2 = 0 THEN first_id ELSE second_id END, 'contract.step', 'step ' || g
FROM long_ids, generate_series(1, 10) g;
SQL
is($rc, 0, 'events with a 10 kB booking_id are written') or diag($stderr);
is( $node->safe_psql('postgres',
		'SELECT min(length(booking_id)) >= 10240 FROM webhook_outbox'),
	't', 'the outbox holds the whole booking_id');

wait_for_drain($node, 'every event is delivered');
check_nothing_lost($node, [$recv], 'long booking_id');

# Per booking: the outbox order, and for each event its first request comes
# after the earlier event's successful one.
my @requests = sort { $a->{seq} <=> $b->{seq} } @{ recorded_requests($recv) };
for my $which ('first_id', 'second_id')
{
	my @ids = split /\n/, $node->safe_psql('postgres',
		"SELECT o.event_id FROM webhook_outbox o, long_ids l WHERE o.booking_id = l.$which ORDER BY o.id");
	is(scalar @ids, 5, "$which: five events");
	my $in_order = 1;
	for my $k (1 .. $#ids)
	{
		my ($done) = grep { $_->{id} eq $ids[ $k - 1 ] && ($_->{status} // 0) == 200 } @requests;
		my ($next) = grep { $_->{id} eq $ids[$k] } @requests;
		$in_order = 0 unless $done && $next && $next->{seq} > $done->{seq};
	}
	ok($in_order, "$which: each event is sent only after the one before it was delivered");
}

# --- ALTER EXTENSION UPDATE from 1.0.0 -----------------------------------------------
# The update swaps the index and touches no row.
$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('upgraded', "CREATE EXTENSION booking_events VERSION '1.0.0'");
$node->safe_psql('upgraded', <<'SQL');
INSERT INTO webhook_outbox (event_id, event_type, booking_id, payload)
SELECT gen_random_uuid(), 'old.event', 'booking-' || g, '{}' FROM generate_series(1, 10) g;
UPDATE webhook_outbox SET status = 'failed' WHERE id <= 3;
SQL
my $before = $node->safe_psql('upgraded',
	"SELECT string_agg(id || status || booking_id, ',' ORDER BY id) FROM webhook_outbox");
$node->safe_psql('upgraded', "ALTER EXTENSION booking_events UPDATE TO '1.1.0'");
is( $node->safe_psql('upgraded',
		"SELECT string_agg(id || status || booking_id, ',' ORDER BY id) FROM webhook_outbox"),
	$before, 'the update keeps every pending and failed event');
like( $node->safe_psql('upgraded',
		"SELECT pg_get_indexdef('webhook_outbox_booking_pending_idx'::regclass)"),
	qr/hashtextextended\(booking_id/, 'the per-booking index is keyed on the hash');
my ($update_rc, $update_out, $update_err) = $node->psql('upgraded', <<'SQL');
INSERT INTO webhook_outbox (event_id, event_type, booking_id, payload)
SELECT gen_random_uuid(), 'new.event', string_agg(md5(g::text || random()::text), ''), '{}'
FROM generate_series(1, 320) g;
SQL
is($update_rc, 0, 'a 10 kB booking_id fits after the update') or diag($update_err);

$recv->stop;
done_testing();
