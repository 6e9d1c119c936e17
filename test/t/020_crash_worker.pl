# Crashes of the delivery worker while it drains a large backlog: kill -9
# (the postmaster then restarts every process, crash recovery included),
# twice in one drain, and a plain SIGTERM (the launcher starts a new worker).
# Every committed event is delivered; an event reaches the receiver twice
# only when its request was in flight at the moment of a crash, and then
# with the same webhook-id and the same bytes; events of one booking still
# arrive in the order they were written. Last, SIGTERM to the launcher: it
# comes back, and a worker stopped after that is started again.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my $max_concurrency = 32;
my $recv = start_receiver(quiet => 1);
# A small random stall per request, so that draining takes a few seconds and
# a crash lands in the middle of it.
$recv->config({ random_delay_ms => [ 0, 20 ] });

# No URL yet: the backlog is written first, then delivery is switched on.
my $node = new_node('crash_worker',
	backoff_base_ms => 100,
	backoff_max_ms => 1000,
	max_concurrency => $max_concurrency,
	extra_conf => "restart_after_crash = on\n");
create_app_schema($node);
ok(wait_for_worker($node), 'worker runs');

my $total = 10000;
insert_many($node, $total, bookings => 200, tag => 'crash');
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'"),
	$total, "$total events queued while delivery is paused");

# Duplicates are fine only for a request in flight at a crash: its first
# copy arrived before the kill, the next one after it.
my @kill_windows;
my $in_flight_at_a_kill = in_flight_at(\@kill_windows);

sub wait_for_received
{
	my ($n) = @_;
	my $got = $recv->wait_for_count($n, 120);
	cmp_ok($got, '>=', $n, "receiver got at least $n requests");
	return $got;
}

my $started = Time::HiRes::time();
my $offset = -s $node->logfile;
$node->safe_psql('postgres',
	'ALTER SYSTEM SET booking_events.webhook_url = ' . pg_quote($recv->url('/hook')));
$node->reload;

# --- kill -9 in the middle of the drain ----------------------------------------
wait_for_received(2000);
my $pid1 = worker_pid($node);
my $t0 = Time::HiRes::time();
kill_worker($node, 'KILL');
push @kill_windows, [ $t0, Time::HiRes::time() ];
my $at_kill = $recv->count;
note("first kill -9 of worker $pid1 after $at_kill requests");
cmp_ok($at_kill, '<', $total, 'the kill landed mid-drain');

$node->wait_for_log(qr/all server processes terminated; reinitializing/, $offset);
pass('postmaster restarted the processes after the crash');
my $pid2 = wait_for_worker($node, $pid1);
ok($pid2, "a new worker ($pid2) runs after crash recovery");

# --- and again, once the new worker is busy --------------------------------------
wait_for_received($at_kill + 1500);
$t0 = Time::HiRes::time();
kill_worker($node, 'KILL');
push @kill_windows, [ $t0, Time::HiRes::time() ];
my $at_kill2 = $recv->count;
note("second kill -9 of worker $pid2 after $at_kill2 requests");
cmp_ok($at_kill2, '<', $total, 'the second kill landed mid-drain too');
my $pid3 = wait_for_worker($node, $pid2);
ok($pid3, "a third worker ($pid3) runs");

wait_for_drain($node, 'backlog drained after two crashes');
note(sprintf('drain with two crashes took %.1f s', Time::HiRes::time() - $started));
my $report = check_nothing_lost($node, [$recv], 'kill -9',
	# Per kill, what was sent and not yet recorded can be sent again: the
	# requests in flight, plus either the answers the worker gathers before
	# recording them (at most 64, core/record_gathering.hpp) or those handed
	# to the recorder and not yet committed by it (at most four times
	# max_concurrency, at least 64; README, The recorder). Each duplicate
	# must still have been in flight or answered at a kill (allow_duplicate).
	max_duplicates => 2 * ($max_concurrency + ($max_concurrency * 4 > 64 ? $max_concurrency * 4 : 64)),
	allow_duplicate => $in_flight_at_a_kill,
	check_payload => 1);

is( $node->safe_psql('postgres',
		"SELECT count(*) || '|' || count(DISTINCT event_id) || '|' || bool_and(status = 'success') "
		  . "|| '|' || max(attempt) FROM webhook_logs"),
	"$total|$total|true|1",
	'webhook_logs: one successful first attempt per event (a lost answer leaves no row)');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered' OR attempts <> 1"),
	'0', 'outbox: every event delivered with attempts = 1');

# Order per booking: the first arrival of each event follows the outbox order.
my @inversions = booking_order_inversions($node, $report);
is(scalar @inversions, 0, 'events of each booking first arrived in outbox order')
  or diag("out of order: @inversions[0 .. ($#inversions > 9 ? 9 : $#inversions)]");

my $log = log_since($node, $offset);
is(() = $log =~ /booking_events worker started/g, 2,
	'one worker start per crash, no restart loop')
  or diag(join "\n", $log =~ /^.*booking_events.*$/mg);

# --- SIGTERM: the worker exits cleanly and the launcher starts another one ------
$recv->reset;
$recv->config({ random_delay_ms => [ 0, 20 ] });
@kill_windows = ();
$offset = -s $node->logfile;
reload_settings($node, webhook_url => '');
insert_many($node, 2000, bookings => 50, tag => 'sigterm');
reload_settings($node, webhook_url => $recv->url('/hook'));
wait_for_received(300);
my $pid4 = worker_pid($node);
$t0 = Time::HiRes::time();
ok( $node->safe_psql('postgres', "SELECT pg_terminate_backend($pid4)") eq 't',
	"pg_terminate_backend($pid4) mid-drain");
push @kill_windows, [ $t0, Time::HiRes::time() ];
# Between transactions the worker finishes its requests in flight and says
# so; inside one it is terminated at once, as a backend is.
$node->wait_for_log(
	qr/booking_events worker shutting down|terminating background worker "booking_events worker" due to administrator command/,
	$offset);
pass('worker shut down on SIGTERM');
ok(wait_for_worker($node, $pid4), 'the launcher starts a new worker');
wait_for_drain($node, 'drained after SIGTERM');
check_nothing_lost($node, [$recv], 'SIGTERM',
	where => "payload->'booking_event'->>'description' LIKE 'sigterm%'",
	max_duplicates => $max_concurrency,
	allow_duplicate => $in_flight_at_a_kill);
unlike(log_since($node, $offset), qr/terminated by signal|server process .* was terminated/,
	'SIGTERM is not a crash');

# --- SIGTERM to the launcher (pg_terminate_backend, as an ops script might) ------
# The launcher must come back (bgw_restart_time), and with it the guarantee
# that a stopped worker is started again.
my $launcher_sql =
  "SELECT pid FROM pg_stat_activity WHERE backend_type = 'booking_events launcher'";
my $launcher = $node->safe_psql('postgres', $launcher_sql);
$offset = -s $node->logfile;
is($node->safe_psql('postgres', "SELECT pg_terminate_backend($launcher)"), 't',
	"pg_terminate_backend(launcher $launcher)");
ok( poll_within($node, 12,
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'booking_events launcher' "
		  . "AND pid <> $launcher"),
	'a new launcher runs within 12 s');
my $worker = worker_pid($node);
$node->safe_psql('postgres', "SELECT pg_terminate_backend($worker)") if $worker;
my $b = create_booking($node);
my $after = insert_event($node, $b->{id}, 'booking.after_launcher', 'after the launcher was terminated');
ok( poll_within($node, 15,
		"SELECT status = 'delivered' FROM webhook_outbox WHERE event_id = '$after'"),
	'then a terminated worker is started again and delivers')
  or diag(explain(outbox_row($node, $after)));
$log = log_since($node, $offset);
cmp_ok(scalar(() = $log =~ /another delivery worker is running/g), '<=', 1,
	'no start-and-exit loop of duplicate workers');
note(join "\n", $log =~ /^.*LOG:  (?:booking_events (?:launcher|worker)|background worker "booking_events).*$/mg);

$node->stop;
$recv->stop;
done_testing();
