# Read-only fencing, as failover tools fence a primary: at database level
# (ALTER DATABASE ... SET default_transaction_read_only = on, which
# PostgreSQL applies only when a session starts) and at system level (ALTER
# SYSTEM + reload). While fenced the worker claims nothing, backs off with a
# growing delay and logs the error once, not once per try; when the fence is
# lifted it resumes by itself, without a restart, and the answers it had
# received before the fence are recorded, not sent again. Before, a fenced
# worker logged 25,000 errors in 16 s, never noticed the fence being lifted,
# and resent events answered 200.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my $recv = start_receiver(quiet => 1);
my $node = new_node('fencing', backoff_base_ms => 100, backoff_max_ms => 1000);
create_app_schema($node);
ok(wait_for_worker($node), 'worker runs');

# Statements of the test itself run with the fence lifted for their session.
sub admin
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', "SET default_transaction_read_only = off;\n$sql");
}

sub count_lines
{
	my ($offset, $pattern) = @_;
	my $log = log_since($node, $offset);
	my $n = () = $log =~ /$pattern/g;
	return $n;
}

# --- database level -------------------------------------------------------------------
# Written while delivery is paused, then the database is fenced and a new
# worker starts (it reads the fence when it connects).
insert_many($node, 50, bookings => 10, tag => 'db_fence');
admin('ALTER DATABASE postgres SET default_transaction_read_only = on');
my $offset = -s $node->logfile;
my $old_pid = worker_pid($node);
admin("SELECT pg_terminate_backend($old_pid)");
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'booking_events worker' "
		  . "AND pid <> $old_pid"),
	'a new worker starts in the fenced database');
admin("ALTER SYSTEM SET booking_events.webhook_url = '" . $recv->url('/hook') . "'");
$node->reload;
$node->wait_for_log(qr/the database is read-only/, $offset);
my $fenced_at = Time::HiRes::time();
sleep 8;
my $seconds = Time::HiRes::time() - $fenced_at;
my $errors = count_lines($offset, qr/the database is read-only/);
note("$errors error lines in the first $seconds s of the database-level fence");
cmp_ok($errors, '<=', 3, 'the fence is logged once, not once per try');
is($recv->count, 0, 'nothing is sent while the database is fenced');

my $lifted_offset = -s $node->logfile;
admin('ALTER DATABASE postgres RESET default_transaction_read_only');
wait_for_drain($node, 'the database-level fence lifted: delivery resumes by itself',
	where => "payload::text LIKE '%db_fence%'");
check_nothing_lost($node, [$recv], 'database-level fence');
cmp_ok(count_lines($lifted_offset, qr/handing over to a fresh worker/),
	'>=', 1, 'the change of database settings was noticed');

# --- system level, with answers received before the fence --------------------------------
# The receiver answers slowly, so that requests are in flight when the fence
# goes up: their 200s arrive while the worker cannot record them.
$recv->reset;
$recv->config({ delay_ms => 4000 });
ok(wait_for_worker($node), 'worker runs');
insert_many($node, 20, bookings => 20, tag => 'sys_fence');
cmp_ok($recv->wait_for_count(10, 60), '>=', 10, 'requests are in flight');
$offset = -s $node->logfile;
admin('ALTER SYSTEM SET default_transaction_read_only = on');
$node->reload;
$node->wait_for_log(qr/the database is read-only/, $offset);
sleep 8;
$errors = count_lines($offset, qr/the database is read-only/);
note("$errors error lines in 8 s of the system-level fence");
cmp_ok($errors, '<=', 3, 'the system-level fence is logged once, not once per try');
is( admin("SELECT count(*) FROM webhook_outbox WHERE status = 'delivered' AND "
		  . "payload::text LIKE '%sys_fence%'"),
	'0', 'nothing could be recorded while fenced');
my $answered = grep { ($_->{status} // 0) == 200 } @{ recorded_requests($recv) };
cmp_ok($answered, '>=', 1, "$answered requests were answered 200 during the fence");

admin('ALTER SYSTEM RESET default_transaction_read_only');
$node->reload;
wait_for_drain($node, 'the system-level fence lifted: delivery resumes by itself',
	where => "payload::text LIKE '%sys_fence%'");
check_nothing_lost($node, [$recv], 'system-level fence',
	where => "payload::text LIKE '%sys_fence%'", max_duplicates => 0);
cmp_ok(count_lines($offset, qr/transactions succeed again after \d+ failed tries/),
	'>=', 1, 'the recovery is logged with the count of failed tries');

$recv->stop;
done_testing();
