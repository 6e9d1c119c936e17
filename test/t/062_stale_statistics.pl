# A quiet night, then an outage's backlog: webhook_deliveries is vacuumed
# while empty (its statistics say: no rows), then fills at once. A plan made
# on such statistics picks an index at random; the claim's per-booking probe
# took webhook_deliveries_recent_idx and read every pending delivery for each
# event it claimed, so the drain slowed with the backlog (bench/endpoints.sh:
# 500 instead of 3,000 events/s at 10,000, until autovacuum's next ANALYZE).
# The worker now ANALYZEs the table itself when it has outgrown its
# statistics. Autovacuum is off here, so only the worker can have done it.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;
use BookingEventsTest::Endpoints;
use BookingEventsTest::Faults;

my ($node, $recv) = endpoints_node('stale_statistics', paused => 'on');
$node->append_conf('postgresql.conf', 'autovacuum = off');
$node->reload;

$node->safe_psql('postgres', 'VACUUM ANALYZE webhook_deliveries');
my $analyzed_empty = $node->safe_psql('postgres',
	"SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'webhook_deliveries'");
ok($analyzed_empty ne '', 'the empty table was analyzed');

insert_many($node, 20000, bookings => 20000, tag => 'backlog');
is( $node->safe_psql('postgres',
		"SELECT relpages FROM pg_class WHERE relname = 'webhook_deliveries'"),
	'0',
	'20,000 pending deliveries, statistics still of an empty table');

$node->safe_psql('postgres', 'ALTER SYSTEM SET booking_events.paused = off');
$node->reload;
wait_for_drain($node, 'the backlog drains');

ok( $node->safe_psql('postgres',
		"SELECT last_analyze > '$analyzed_empty' FROM pg_stat_user_tables "
		  . "WHERE relname = 'webhook_deliveries'") eq 't',
	'the worker analyzed webhook_deliveries once it had outgrown its statistics');
cmp_ok(
	$node->safe_psql('postgres',
		"SELECT relpages FROM pg_class WHERE relname = 'webhook_deliveries'"),
	'>', 64, 'the statistics now describe the backlog');

done_testing();
