# The worker is always interruptible: pg_terminate_backend and a fast
# shutdown stop it promptly even while its claim waits on a lock another
# session holds (a long DDL, a DBA's LOCK TABLE). Before, SIGTERM only set a
# flag the worker looked at between transactions, so a stop waited for the
# lock (and a fast shutdown for `-m immediate`).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

# Generous: the worker is expected to stop within a second; the machine may
# be busy. The lock is held far longer than this.
my $ceiling = 15;

my $recv = start_receiver(quiet => 1);
my $node = new_node('terminate_mid_claim');
create_app_schema($node);
ok(wait_for_worker($node), 'worker runs');
insert_many($node, 100, bookings => 10, tag => 'held');

# Waits until the worker's claim is blocked on the lock; returns its pid.
sub worker_blocked_on_lock
{
	my ($name) = @_;
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'booking_events worker' "
			  . "AND wait_event_type = 'Lock'"),
		"$name: the worker waits on the lock");
	return worker_pid($node);
}

sub seconds_until_gone
{
	my ($pid) = @_;
	my $started = Time::HiRes::time();
	while (kill(0, $pid) && Time::HiRes::time() - $started < 120)
	{
		Time::HiRes::sleep(0.05);
	}
	return Time::HiRes::time() - $started;
}

# --- pg_terminate_backend mid-claim ---------------------------------------------------
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE webhook_outbox IN ACCESS EXCLUSIVE MODE');
# Delivery switched on now: the worker's first claim waits on the lock.
reload_settings($node, webhook_url => $recv->url('/hook'));
my $pid = worker_blocked_on_lock('terminate');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
my $took = seconds_until_gone($pid);
note(sprintf('worker gone %.2f s after pg_terminate_backend', $took));
cmp_ok($took, '<', $ceiling, 'pg_terminate_backend stops a worker whose claim waits on a lock');
is($recv->count, 0, 'nothing was sent while the outbox was locked');

# The launcher starts a new worker, which waits on the lock in its turn.
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'booking_events worker' "
		  . "AND pid <> $pid"),
	'the launcher starts a new worker');
$locker->query_safe('COMMIT');
$locker->quit;
wait_for_drain($node, 'the backlog drains once the lock is released');
check_nothing_lost($node, [$recv], 'after the terminate');

# --- fast shutdown mid-claim ------------------------------------------------------------
# The lock is held by a prepared transaction: a fast shutdown cannot end it,
# so only the worker's own interruptibility lets the shutdown finish.
$node->append_conf('postgresql.conf', "max_prepared_transactions = 5\n");
$node->restart;
ok(wait_for_worker($node), 'worker runs after the restart');
reload_settings($node, webhook_url => '');
insert_many($node, 100, bookings => 10, tag => 'held2');
$node->safe_psql('postgres',
	"BEGIN; LOCK TABLE webhook_outbox IN ACCESS EXCLUSIVE MODE; PREPARE TRANSACTION 'held'");
reload_settings($node, webhook_url => $recv->url('/hook2'));
$pid = worker_blocked_on_lock('fast shutdown');
my $started = Time::HiRes::time();
$node->stop('fast');
$took = Time::HiRes::time() - $started;
note(sprintf('fast shutdown took %.2f s', $took));
cmp_ok($took, '<', $ceiling, 'a fast shutdown is not held up by a worker waiting on a lock');
ok(!kill(0, $pid), 'the worker is gone');
$node->start;
$node->safe_psql('postgres', "COMMIT PREPARED 'held'");
wait_for_drain($node, 'the second backlog drains after the restart');
check_nothing_lost($node, [$recv], 'after the fast shutdown');

$recv->stop;
done_testing();
