# Settings and catalog changes under the worker's feet, mid-drain:
# - webhook_url emptied (delivery pauses, requests in flight finish and are
#   recorded, nothing is lost) and set again;
# - webhook_url moved to a second receiver (every event reaches one of them),
#   with max_concurrency and batch_size changed too;
# - a lock held on webhook_logs (the worker stalls, then catches up);
# - DROP EXTENSION / CREATE EXTENSION while the worker runs, with requests
#   in flight (the worker survives and delivers the new extension's events);
# - booking_events.database_name naming a database that does not exist yet
#   (one log line, no crash loop; delivery once it and the extension exist),
#   and that database dropped and created again.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my $recv_a = start_receiver(quiet => 1);
my $recv_b = start_receiver(quiet => 1);
my $recv_c = start_receiver(quiet => 1);
$_->config({ random_delay_ms => [ 5, 40 ] }) for ($recv_a, $recv_b);

# Started first and checked last: the launcher waits for "appdb" the whole
# time the other parts run.
my $nodb = new_node('nodb',
	database_name => 'appdb',
	webhook_url => $recv_c->url('/hook'),
	backoff_base_ms => 100);

my $node = new_node('settings',
	webhook_url => $recv_a->url('/hook'),
	backoff_base_ms => 100,
	backoff_max_ms => 1000);
create_app_schema($node);
my $pid = wait_for_worker($node);
ok($pid, 'worker runs');

sub tagged { "payload->'booking_event'->>'description' LIKE '$_[0] #%'" }

# --- webhook_url emptied mid-drain, then set again -------------------------------------
insert_many($node, 3000, bookings => 100, tag => 'pause');
cmp_ok($recv_a->wait_for_count(500, 60), '>=', 500, 'drain under way');
my $pause_offset = -s $node->logfile;
reload_settings($node, webhook_url => '');
# reload_settings waits for either state line; this one must say paused.
like(log_since($node, $pause_offset), qr/webhook_url is empty: delivery is paused/,
	'worker logged that delivery is paused');
# Requests sent just before the worker read the setting may still arrive.
Time::HiRes::sleep(0.3);
my $paused_at = $recv_a->count;
is($recv_a->wait_for_count($paused_at + 1, 1.5), $paused_at, 'nothing is sent while paused');
my ($pending, $tried) = split /\|/, $node->safe_psql('postgres',
	"SELECT count(*) FILTER (WHERE status = 'pending') || '|' "
	  . "|| count(*) FILTER (WHERE status = 'pending' AND attempts > 0) FROM webhook_outbox");
cmp_ok($pending, '>', 0, "$pending events wait in the outbox");
is($tried, 0, 'requests in flight at the pause finished and were recorded');
is( $node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status = 'delivered'"),
	$paused_at, 'every request sent before the pause is recorded as delivered');
reload_settings($node, webhook_url => $recv_a->url('/hook'));
wait_for_drain($node, 'drained after delivery resumed');
check_nothing_lost($node, [$recv_a], 'pause and resume', where => tagged('pause'));
is(worker_pid($node), $pid, 'same worker');

# --- webhook_url moved to another receiver mid-drain -------------------------------------
$recv_a->reset;
$recv_a->config({ random_delay_ms => [ 5, 40 ] });
insert_many($node, 3000, bookings => 100, tag => 'switch');
cmp_ok($recv_a->wait_for_count(500, 60), '>=', 500, 'drain to A under way');
my $switch_started = Time::HiRes::time();
reload_settings($node, webhook_url => $recv_b->url('/hook-b'));
my $switched = Time::HiRes::time();
cmp_ok($recv_b->wait_for_count(300, 60), '>=', 300, 'then B receives');
# Fewer requests at once and smaller claims, mid-drain (and quicker answers,
# to keep the test short).
$recv_b->config({ random_delay_ms => [ 0, 4 ] });
reload_settings($node,
	max_concurrency => 4,
	batch_size => 7,
	webhook_url => $recv_b->url('/hook-b2'));
# The backlog may be gone by now on a fast machine: events written after
# the worker read /hook-b2 go there for certain.
insert_many($node, 100, bookings => 10, tag => 'switch');
wait_for_drain($node, 'drained after the URL moved');
my $report = check_nothing_lost($node, [ $recv_a, $recv_b ], 'URL moved',
	where => tagged('switch'), check_payload => 1);
my $late_a = grep { $_->{time} > $switched + 0.5 } @{ recorded_requests($recv_a) };
is($late_a, 0, 'A receives nothing once the worker has read the new URL');
my $a_n = $recv_a->count;
my $b_n = $recv_b->count;
note("A got $a_n, B got $b_n");
is($a_n + $b_n, 3100, 'each event went to exactly one of them');
my %paths = map { $_->{path} => 1 } @{ recorded_requests($recv_b) };
is_deeply([ sort keys %paths ], [ '/hook-b', '/hook-b2' ], 'B saw both of its paths');
reload_settings($node,
	max_concurrency => 32,
	batch_size => 100,
	webhook_url => $recv_a->url('/hook'));
is(worker_pid($node), $pid, 'same worker');

# --- a DBA holds a lock that blocks the worker's bookkeeping ------------------------------
# SHARE on webhook_logs blocks the worker's recording of results (but not
# the triggers): it stalls with requests answered, then catches up.
$recv_a->reset;
$recv_a->config({});
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE webhook_logs IN SHARE MODE');
insert_many($node, 300, bookings => 30, tag => 'locked');
cmp_ok($recv_a->wait_for_count(1, 30), '>=', 1, 'requests go out while the lock is held');
Time::HiRes::sleep(1.5);
my $while_locked = $recv_a->count;
cmp_ok($while_locked, '<', 300, "the worker is held up ($while_locked requests sent)");
is( $node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status = 'delivered' AND "
		  . tagged('locked')),
	'0', 'nothing recorded while the lock is held');
$locker->query_safe('COMMIT');
$locker->quit;
wait_for_drain($node, 'drained once the lock is released');
check_nothing_lost($node, [$recv_a], 'lock held', where => tagged('locked'));
is(worker_pid($node), $pid, 'same worker');

# --- DROP EXTENSION and CREATE EXTENSION while the worker runs ---------------------------
my $triggers = app_triggers_sql();

# (1) dropped while five requests are in flight; created again once the
# worker has noticed.
$recv_a->reset;
$recv_a->config({ delay_ms => 1500 });
insert_many($node, 5, bookings => 5, tag => 'old1');
is($recv_a->wait_for_count(5, 30), 5, 'five requests in flight');
my $offset = -s $node->logfile;
$node->safe_psql('postgres', 'DROP EXTENSION booking_events CASCADE');
$node->wait_for_log(qr/extension "booking_events" is not created in this database; waiting/,
	$offset);
pass('the worker noticed the extension is gone');
is(worker_pid($node), $pid, 'and survived');
$recv_a->reset;    # the old events went with the old outbox
$node->safe_psql('postgres', "CREATE EXTENSION booking_events;\n$triggers");
insert_many($node, 5, bookings => 5, tag => 'new1');
wait_for_drain($node, 'events of the new extension delivered');
check_nothing_lost($node, [$recv_a], 'extension created again');

# (2) dropped and created again in one transaction while five requests are
# in flight: the new outbox numbers its rows from 1 again, so its ids meet
# the ids of those requests.
$recv_a->reset;
$recv_a->config({ delay_ms => 2000 });
insert_many($node, 5, bookings => 5, tag => 'old2');
is($recv_a->wait_for_count(5, 30), 5, 'five requests in flight');
my $in_flight_ids = $node->safe_psql('postgres',
	'SELECT string_agg(id::text, \',\' ORDER BY id) FROM webhook_outbox WHERE status = \'pending\'');
note("outbox ids in flight: $in_flight_ids");
$node->safe_psql('postgres',
	"BEGIN;\nDROP EXTENSION booking_events CASCADE;\nCREATE EXTENSION booking_events;\n$triggers\nCOMMIT;");
$recv_a->config({});
$recv_a->reset;
insert_many($node, 10, bookings => 10, tag => 'new2');
note('outbox ids of the new extension: '
	  . $node->safe_psql('postgres', 'SELECT string_agg(id::text, \',\' ORDER BY id) FROM webhook_outbox'));
wait_for_drain($node, 'events of the re-created extension are no longer pending');
# The old requests end 2 s after they started; give them time to be recorded.
$recv_a->wait_for_count(11, 3);
check_nothing_lost($node, [$recv_a], 'extension re-created in one transaction',
	where => tagged('new2'));
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM webhook_logs l WHERE NOT EXISTS '
		  . '(SELECT 1 FROM webhook_outbox o WHERE o.event_id = l.event_id)'),
	'0', 'webhook_logs of the new extension hold only its own events');
is(worker_pid($node), $pid, 'the worker survived both');
my $log = log_since($node, $offset);
unlike($log, qr/TRAP:|terminated by signal|was terminated|FATAL/, 'no crash in the server log');

# --- database_name that does not exist yet --------------------------------------------------
$offset = 0;
$log = log_since($nodb, 0);
is(() = $log =~ /database "appdb" does not exist; waiting for it to be created/g, 1,
	'the launcher said once that appdb does not exist, while waiting for ' . int(time() - $^T) . ' s');
unlike($log, qr/FATAL|terminated by signal|was terminated|exited with exit code/,
	'no FATAL, no worker restarts while waiting');
ok( $nodb->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'booking_events worker'"),
	'no delivery worker without the database');

$nodb->safe_psql('postgres', 'CREATE DATABASE appdb');
{
	local $BookingEventsTest::DB = 'appdb';
	ok(wait_for_worker($nodb), 'a worker starts once appdb exists');
	$nodb->wait_for_log(qr/extension "booking_events" is not created in this database; waiting/);
	pass('and waits for the extension');
	create_app_schema($nodb);
	my $b = create_booking($nodb);
	my $id = insert_event($nodb, $b->{id}, 'booking.appdb', 'first event in appdb');
	wait_for_status($nodb, $id, 'delivered', 'delivered once the extension exists');
	is_deeply(body_ids($recv_c), [$id], 'the receiver got it once');
	is(request_json(requests_for($recv_c, $id)->[0])->{system}{database}, 'appdb',
		'system.database is appdb');
}

# The database goes away (the worker is forced out) and comes back.
$offset = -s $nodb->logfile;
$nodb->safe_psql('postgres', 'DROP DATABASE appdb WITH (FORCE)');
$nodb->wait_for_log(qr/database "appdb" does not exist; waiting/, $offset);
pass('the launcher waits for appdb again');
$nodb->safe_psql('postgres', 'CREATE DATABASE appdb');
{
	local $BookingEventsTest::DB = 'appdb';
	create_app_schema($nodb);
	my $b = create_booking($nodb);
	my $id = insert_event($nodb, $b->{id}, 'booking.appdb2', 'after appdb came back');
	wait_for_status($nodb, $id, 'delivered', 'delivered in the re-created appdb');
}
$log = log_since($nodb, $offset);
is(() = $log =~ /does not exist; waiting/g, 1, 'said once while appdb was gone');
unlike($log, qr/TRAP:|terminated by signal|was terminated/, 'no crash');

$nodb->stop;
$node->stop;
$_->stop for ($recv_a, $recv_b, $recv_c);
done_testing();
