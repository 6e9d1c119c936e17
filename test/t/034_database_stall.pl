# HTTP does not depend on the database keeping up: while the worker waits on
# a lock for longer than request_timeout_ms, the answers of the requests in
# flight wait in their sockets, and are read (not timed out) when the worker
# gets going again. Before, libcurl's timer expired during the stall: every
# answered request became a "timed out" failure in webhook_logs, and was
# sent again.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my $timeout_ms = 1500;
my ($node, $recv) = node_with_receiver('database_stall',
	receiver => { quiet => 1 },
	request_timeout_ms => $timeout_ms,
	max_concurrency => 16,
	backoff_base_ms => 100,
	backoff_max_ms => 500);
# Each answer takes a moment, so that requests are in flight when the lock
# is taken.
$recv->config({ delay_ms => 300 });
ok(wait_for_worker($node), 'worker runs');

my $total = 400;
insert_many($node, $total, bookings => 40, tag => 'stall');
cmp_ok($recv->wait_for_count(20, 60), '>=', 20, 'the drain has started');

# The lock blocks the worker's next transaction (recording the answers, or
# its next claim) for three request timeouts.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE webhook_outbox IN ACCESS EXCLUSIVE MODE');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'booking_events worker' "
		  . "AND wait_event_type = 'Lock'"),
	'the worker waits on the lock');
Time::HiRes::sleep(3 * $timeout_ms / 1000);
my $sent_while_locked = $recv->count;
$locker->query_safe('COMMIT');
$locker->quit;

wait_for_drain($node, 'the backlog drains after the stall');
check_nothing_lost($node, [$recv], 'database stall', max_duplicates => 0);
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_logs WHERE status = 'failed' OR error IS NOT NULL"),
	'0', 'no answered request was recorded as a failure (no false timeouts)');
is($node->safe_psql('postgres', 'SELECT count(*) FROM webhook_logs'),
	$total, 'one attempt per event');
note("$sent_while_locked requests had been sent when the lock was released");

$recv->stop;
done_testing();
