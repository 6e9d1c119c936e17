# The recorder: while a backlog drains, a second background worker records
# the attempts the delivery worker hands over (README: The recorder).
#
#  1. a drain with many events per booking: the recorder records attempts
#     (webhook_health says how many), every event arrives once, each
#     booking's events in outbox order, one webhook_logs row per attempt;
#  2. kill -9 of the recorder, then of the worker, mid-drain: every committed
#     event is delivered, and every duplicate was in flight at a kill;
#  3. the recorder failing on every transaction mid-drain: the worker takes
#     back what it handed over and records it itself: nothing stays pending,
#     nothing is sent twice, each attempt is logged once;
#  4. pg_terminate_backend of the recorder mid-drain: the same, and a new
#     recorder is started;
#  5. booking_events.recorder = off on reload, to a freshly started idle
#     recorder: it stops, the worker delivers alone, webhook_health says
#     so; on again, it is back; a fast shutdown and a start bring both back.
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
# A small random stall per request, so that a drain lasts long enough for a
# fault to land in its middle.
my $stall = { random_delay_ms => [ 0, 10 ] };
$recv->config($stall);

my $node = new_node('recorder',
	backoff_base_ms => 100,
	backoff_max_ms => 1000,
	max_concurrency => $max_concurrency,
	extra_conf => "restart_after_crash = on\n");
create_app_schema($node);
ok(wait_for_worker($node), 'worker runs');

my $recorder_sql =
  "SELECT pid FROM pg_stat_activity WHERE backend_type = 'booking_events recorder'";

sub health
{
	my ($key) = @_;
	return $node->safe_psql('postgres', "SELECT webhook_health()->>'$key'");
}

# The pid of a running recorder (other than $other_than), or undef.
sub wait_for_recorder
{
	my ($other_than) = @_;
	my $filter = "backend_type = 'booking_events recorder'";
	$filter .= " AND pid <> $other_than" if defined $other_than;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE $filter")
	  or return undef;
	return $node->safe_psql('postgres', "SELECT pid FROM pg_stat_activity WHERE $filter");
}

# Queues $n events over $bookings bookings with delivery paused, due an
# hour ago, then delivers them to $path (a new path each time, so the
# worker logs the new URL and reload_settings knows it has read it).
sub queue_then_deliver
{
	my ($n, $bookings, $tag, $path) = @_;
	reload_settings($node, webhook_url => '')
	  if $node->safe_psql('postgres', 'SHOW booking_events.webhook_url') ne '';
	insert_many($node, $n, bookings => $bookings, tag => $tag);
	# A backlog queued during an outage: due for an hour, so the claims'
	# newest lane (the last two seconds) finds nothing, as in a real drain.
	$node->safe_psql('postgres', <<'SQL');
UPDATE webhook_deliveries SET next_attempt_at = next_attempt_at - interval '1 hour'
WHERE status = 'pending';
UPDATE webhook_outbox SET next_attempt_at = next_attempt_at - interval '1 hour'
WHERE status = 'pending';
SQL
	reload_settings($node, webhook_url => $recv->url($path));
	return;
}

sub where_tag { my ($tag) = @_; return "payload->'booking_event'->>'description' LIKE '$tag #%'"; }

sub logs_of
{
	my ($tag) = @_;
	my $where = where_tag($tag);
	return $node->safe_psql('postgres',
		"SELECT count(*) || '|' || count(DISTINCT l.event_id) || '|' || bool_and(l.status = 'success') "
		  . "FROM webhook_logs l JOIN webhook_outbox o USING (event_id) WHERE o.$where");
}

# --- 1. a drain through the recorder, in per-booking order ---------------------
my $recorder = wait_for_recorder();
ok($recorder, "the recorder runs ($recorder)");
is(health('recorder_running'), 'true', 'webhook_health: recorder running');
is(health('recorder_pid'), $recorder, 'webhook_health: the recorder pid');
is(health('worker_pid'), worker_pid($node), 'webhook_health: still the worker pid');
my $recorded_before = health('recorder_attempts');

my $n = 6000;
queue_then_deliver($n, 150, 'order', '/order');
wait_for_drain($node, 'the drain with 40 events per booking completes',
	where => where_tag('order'));
my $report = check_nothing_lost($node, [$recv], 'order', where => where_tag('order'),
	check_payload => 1);
my @inversions = booking_order_inversions($node, $report);
is(scalar @inversions, 0, 'events of each booking first arrived in outbox order')
  or diag("out of order: @inversions[0 .. ($#inversions > 9 ? 9 : $#inversions)]");
cmp_ok(health('recorder_attempts') - $recorded_before, '>', 0,
	'the recorder recorded attempts of the drain');
is(logs_of('order'), "$n|$n|true", 'one successful webhook_logs row per event');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE " . where_tag('order')
		  . " AND (status <> 'delivered' OR attempts <> 1)"),
	'0', 'every event delivered with attempts = 1');

# --- 2. kill -9 of the recorder, then of the worker, mid-drain --------------------
# The receiver holds every request past the first 1500 (hold_after) until
# its next config, so each kill lands mid-drain however fast or slow the
# machine is.
$recv->reset;
$recv->config({ %$stall, hold_after => 1500 });
my @kill_windows;
my $offset = -s $node->logfile;
$n = 8000;
queue_then_deliver($n, 200, 'kill', '/kill');
$recv->wait_for_count(1500, 120);
$recorder = recorder_pid_now();
my $t0 = Time::HiRes::time();
kill 'KILL', $recorder;
push @kill_windows, [ $t0, Time::HiRes::time() ];
my $at_kill = $recv->count;
cmp_ok($at_kill, '<', $n, "kill -9 of the recorder after $at_kill requests landed mid-drain");
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $offset);
my $worker = wait_for_worker($node);
ok($worker, 'a worker runs again after the crash');
ok(wait_for_recorder($recorder), 'a recorder runs again after the crash');

# Released, and held again 1500 requests further on.
my $hold_again = $recv->count + 1500;
$recv->config({ %$stall, hold_after => $hold_again });
$recv->wait_for_count($hold_again, 120);
$offset = -s $node->logfile;
$t0 = Time::HiRes::time();
kill_worker($node, 'KILL');
push @kill_windows, [ $t0, Time::HiRes::time() ];
my $at_kill2 = $recv->count;
cmp_ok($at_kill2, '<', $n, "kill -9 of the worker after $at_kill2 requests landed mid-drain");
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $offset);
ok(wait_for_worker($node, $worker), 'a worker runs again after the second crash');
$recv->config($stall);
wait_for_drain($node, 'drained after two crashes', where => where_tag('kill'));
# In flight at a kill: the requests on the wire and the attempts the recorder
# had not committed (at most four times max_concurrency of them).
$report = check_nothing_lost($node, [$recv], 'kill -9',
	where => where_tag('kill'),
	max_duplicates => 2 * 5 * $max_concurrency,
	allow_duplicate => in_flight_at(\@kill_windows));
@inversions = booking_order_inversions($node, $report);
is(scalar @inversions, 0, 'kill -9: first arrivals still in per-booking order');

# --- 3. the recorder fails on every transaction mid-drain ------------------------
$recorder = wait_for_recorder();
$node->safe_psql('postgres', <<'SQL');
CREATE FUNCTION public.fail_in_recorder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity
               WHERE pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
                 AND backend_type OPERATOR(pg_catalog.=) 'booking_events recorder') THEN
        RAISE EXCEPTION 'test: the recorder fails';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER fail_in_recorder AFTER INSERT ON webhook_logs
    FOR EACH STATEMENT EXECUTE FUNCTION public.fail_in_recorder();
SQL
$recv->reset;
$recv->config($stall);
$offset = -s $node->logfile;
$n = 3000;
queue_then_deliver($n, 100, 'failing', '/failing');
$node->wait_for_log(qr/test: the recorder fails/, $offset);
pass('the recorder failed mid-drain');
wait_for_drain($node, 'drained while the recorder fails', where => where_tag('failing'));
check_nothing_lost($node, [$recv], 'recorder failing', where => where_tag('failing'));
is(logs_of('failing'), "$n|$n|true",
	'each attempt the failed recorder held was recorded once, by the worker');
like(log_since($node, $offset), qr/the delivery worker records these \d+ attempts itself/,
	'the recorder says who records what it held');
$node->safe_psql('postgres',
	'DROP TRIGGER fail_in_recorder ON webhook_logs; DROP FUNCTION public.fail_in_recorder()');
ok(wait_for_recorder(), 'the launcher starts a recorder again');

# --- 4. pg_terminate_backend of the recorder mid-drain ---------------------------
$recv->reset;
$recv->config($stall);
$n = 5000;
queue_then_deliver($n, 150, 'terminated', '/terminated');
$recv->wait_for_count(1000, 120);
$recorder = recorder_pid_now();
is($node->safe_psql('postgres', "SELECT pg_terminate_backend($recorder)"),
	't', "pg_terminate_backend(recorder $recorder) mid-drain");
wait_for_drain($node, 'drained after the recorder was terminated',
	where => where_tag('terminated'));
check_nothing_lost($node, [$recv], 'recorder terminated', where => where_tag('terminated'));
is(logs_of('terminated'), "$n|$n|true", 'each attempt recorded once');
ok(wait_for_recorder($recorder), 'a new recorder is started');

# --- 5. turned off and on by a reload; a fast shutdown -------------------------
# A recorder that has recorded nothing since it started waits for its latch
# with no timeout: once the reload had turned it off it ran on until
# something else woke it (after a statement, a stale statement-timeout alarm
# does, up to 30 s later; a fresh one had nothing). Start a fresh one: the
# old one stops on SIGTERM while idle, and the launcher starts another.
$recorder = recorder_pid_now();
is($node->safe_psql('postgres', "SELECT pg_terminate_backend($recorder)"),
	't', 'pg_terminate_backend of the idle recorder');
$recorder = wait_for_recorder($recorder);
ok($recorder, 'a fresh recorder is started');
my $recorded_by_now = health('recorder_attempts');
reload_settings($node, 'booking_events.recorder' => 'off');
is(health('recorder_attempts'), $recorded_by_now, 'the fresh recorder had recorded nothing');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'booking_events recorder'"),
	'recorder = off: the recorder stops');
is(health('recorder_running'), 'false', 'webhook_health: recorder not running');
is(health('recorder_enabled'), 'false', 'webhook_health: recorder disabled');
is(health('status'), 'ok', 'webhook_health: delivery is fine without it');
$recv->reset;
$n = 2000;
queue_then_deliver($n, 50, 'alone', '/alone');
wait_for_drain($node, 'the worker drains alone', where => where_tag('alone'));
check_nothing_lost($node, [$recv], 'worker alone', where => where_tag('alone'));
reload_settings($node, 'booking_events.recorder' => 'on');
ok(wait_for_recorder(), 'recorder = on: a recorder runs again');

$node->stop('fast');
$node->start;
ok(wait_for_worker($node), 'after a fast shutdown and a start: the worker runs');
ok(wait_for_recorder(), 'and the recorder');

$node->stop;
$recv->stop;
done_testing();

sub recorder_pid_now
{
	my $pid = $node->safe_psql('postgres', $recorder_sql);
	BAIL_OUT('no recorder running') unless $pid =~ /^\d+$/;
	return $pid;
}
