# A transaction left open on what the worker must write stops delivery until
# it ends (README, "Finish an admin function's transaction"). The worker
# then waits on the lock; the server log names the process that holds it
# (log_lock_waits in the worker's own session), so a DBA finds the culprit
# without catching the wait in pg_stat_activity.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('lock_waits_logged', receiver => { quiet => 1 });
# Answers take a moment, so that requests are in flight when the lock is
# taken and the worker must record them.
$recv->config({ delay_ms => 300 });
ok(wait_for_worker($node), 'worker runs');
is($node->safe_psql('postgres', 'SHOW log_lock_waits'), 'off',
	'the server does not log lock waits by itself');

insert_many($node, 40, bookings => 40, tag => 'lock');
cmp_ok($recv->wait_for_count(1, 60), '>=', 1, 'the drain has started');

my $log_offset = -s $node->logfile;
my $locker = $node->background_psql('postgres');
my $locker_pid = $locker->query_safe('SELECT pg_backend_pid()');
$locker_pid =~ s/\s+//g;
$locker->query_safe('BEGIN; LOCK TABLE webhook_outbox IN ACCESS EXCLUSIVE MODE');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= 1 FROM pg_stat_activity WHERE backend_type IN "
		  . "('booking_events worker', 'booking_events recorder') AND wait_event_type = 'Lock'"),
	'the worker waits on the lock');
my $waiters = $node->safe_psql('postgres',
	"SELECT string_agg(pid::text, '|') FROM pg_stat_activity WHERE backend_type IN "
	  . "('booking_events worker', 'booking_events recorder') AND wait_event_type = 'Lock'");

$node->wait_for_log(qr/process (?:$waiters) still waiting for .* after [0-9.]+ ms/, $log_offset);
my $log = slurp_file($node->logfile, $log_offset);
like($log, qr/still waiting for .*\n.*DETAIL:\s+Process holding the lock: $locker_pid\./,
	'the log names the session that holds the lock');

$locker->query_safe('COMMIT');
$locker->quit;
wait_for_drain($node, 'the backlog drains once the lock is gone');
check_nothing_lost($node, [$recv], 'lock wait', max_duplicates => 0);

$recv->stop;
done_testing();
