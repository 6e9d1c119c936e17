# The outbox and delivery rows the trigger writes without the executor
# (issue #12) are ordinary heap inserts: logical decoding sees them. What
# the sessions keep across transactions is rebuilt when a DBA changes the
# tables while they write: indexes built CONCURRENTLY under a running
# insert load hold every row (amcheck, heapallindexed), and a column added
# with a volatile default (a table rewrite) is filled in every later row.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run ();
use BookingEventsTest;

my $node = new_node('direct', extra_conf => "wal_level = logical\nmax_replication_slots = 2\n");
create_app_schema($node, extension_schema => 'hooks');
$node->safe_psql('postgres', <<'SQL');
INSERT INTO bookings (id, booking_number, status, total_price)
SELECT md5('direct' || g)::uuid, 'BK-DIRECT-' || g, 'new', 10 * g FROM generate_series(1, 20) g;
SQL

# Logical decoding: both rows of one event, as any INSERT's.
$node->safe_psql('postgres',
	"SELECT pg_create_logical_replication_slot('direct_slot', 'test_decoding')");
my $event_id = insert_event($node, md5_booking(1), 'direct.decoded', 'seen by decoding');
my $changes = $node->safe_psql('postgres',
	"SELECT string_agg(data, E'\\n') FROM pg_logical_slot_get_changes('direct_slot', NULL, NULL)");
like($changes, qr/table hooks\.webhook_outbox: INSERT: id\[bigint\]:\d+ event_id\[uuid\]:'$event_id'/,
	'the outbox row is decoded');
like($changes, qr/table hooks\.webhook_deliveries: INSERT: outbox_id\[bigint\]:\d+ endpoint\[text\]:'default'/,
	'its delivery row is decoded');
$node->safe_psql('postgres', "SELECT pg_drop_replication_slot('direct_slot')");

# A steady insert load, one event per transaction in long-lived sessions,
# while the DBA changes both tables.
my $script = PostgreSQL::Test::Utils::tempdir() . '/direct.sql';
open(my $fh, '>', $script) or die "$script: $!";
print $fh <<'PGBENCH';
\set b random(1, 20)
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES (md5('direct' || :b)::uuid, 'direct.load', 'client ' || :client_id);
PGBENCH
close $fh;
my ($out, $err) = ('', '');
my $load = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '2', '-j', '2', '-T', '600', '-f', $script,
	  '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$out, '2>', \$err);

wait_for_outbox_count($node, "event_type = 'direct.load'", 50, 'the load is writing');
$node->safe_psql('postgres',
	'CREATE INDEX CONCURRENTLY dba_outbox_type_idx ON hooks.webhook_outbox (event_type, id)');
$node->safe_psql('postgres',
	'CREATE INDEX CONCURRENTLY dba_deliveries_booking_idx ON hooks.webhook_deliveries (booking_id, outbox_id)');
my $after_indexes = $node->safe_psql('postgres', 'SELECT max(id) FROM hooks.webhook_outbox');
wait_for_outbox_count($node, "id > $after_indexes AND event_type = 'direct.load'", 50,
	'the load goes on after the indexes');
$node->safe_psql('postgres',
	"ALTER TABLE hooks.webhook_outbox ADD COLUMN dba_note text DEFAULT 'noted at ' || clock_timestamp()");
my $after_column = $node->safe_psql('postgres', 'SELECT max(id) FROM hooks.webhook_outbox');
wait_for_outbox_count($node, "id > $after_column AND event_type = 'direct.load'", 50,
	'the load goes on after the new column');
# TERM, not INT: a shell running the suite in the background starts its
# children with SIGINT ignored, and pgbench then ran out its whole -T.
$load->signal('TERM');
$load->finish;

$node->safe_psql('postgres', 'CREATE EXTENSION amcheck');
my ($status, $checked, $problem) = $node->psql('postgres', <<'SQL');
SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
CROSS JOIN LATERAL (SELECT bt_index_check(c.oid, true)) AS checked
WHERE i.indrelid IN ('hooks.webhook_outbox'::regclass, 'hooks.webhook_deliveries'::regclass)
  AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
SQL
is($status, 0, 'every btree index of both tables holds every row (amcheck heapallindexed)')
  or diag($problem);
cmp_ok($checked, '>=', 6, "$checked indexes checked, the two new ones among them");
is($node->safe_psql('postgres', 'SELECT count(*) FROM hooks.webhook_outbox WHERE dba_note IS NULL'),
	'0', 'every row written after the column was added has its default');
is( $node->safe_psql('postgres', <<'SQL'),
SELECT count(*) FROM hooks.webhook_outbox o
WHERE NOT EXISTS (SELECT FROM hooks.webhook_deliveries d WHERE d.outbox_id = o.id)
SQL
	'0', 'every event has its delivery row');

done_testing();

sub md5_booking { my ($g) = @_; return $node->safe_psql('postgres', "SELECT md5('direct' || $g)::uuid"); }
