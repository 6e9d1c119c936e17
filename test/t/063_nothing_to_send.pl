# Issue #12, target 1: while no endpoint can send (`default` without a URL,
# every other endpoint paused), a commit's wake-up opens no transaction in
# the worker: one per commit cost the application a third of its insert
# rate. What must still reach the worker does: a URL set by a reload, an
# endpoint resumed or changed (by the functions or a superuser's own UPDATE),
# and events copied from another database into the live outbox are held
# whenever they appear, not only when the worker starts.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('nothing_to_send', webhook_url => '', backoff_base_ms => 100);
create_app_schema($node, extension_schema => 'hooks');
wait_for_worker($node) or die 'no worker';

my $worker_activity =
  "SELECT state_change FROM pg_stat_activity WHERE backend_type = 'booking_events worker'";

# The worker has passed its loop after `$since` (a commit after it woke it).
sub wait_for_worker_pass
{
	my ($since, $name) = @_;
	ok( $node->poll_query_until('postgres',
			"SELECT (hooks.webhook_health()->>'worker_last_loop_at')::timestamptz > '$since'"),
		$name);
	return;
}

# --- No transaction per commit while nothing can be sent -----------------------
# The worker reports each transaction in pg_stat_activity (state_change). A
# look it was asked for first; after it the worker looks again at most once
# every ten seconds while woken, so at most 1 + (seconds the batches took) / 10
# of them may meet such a look (a slow machine stretches the batches), where
# a transaction per commit would move every batch.
my $batches = 5;
my $since = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
$node->safe_psql('postgres', 'SELECT hooks.booking_events_wake_worker()');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'booking_events worker' "
		  . "AND state = 'idle' AND state_change > '$since'"),
	'a requested look opens a transaction');
my $looked_at = Time::HiRes::time();
my $moved = 0;
for my $batch (1 .. $batches)
{
	my $before = $node->safe_psql('postgres', $worker_activity);
	my $inserts = join '',
	  map { "INSERT INTO booking_events (booking_id, event_type, description) "
		  . "VALUES (md5('idle$batch/$_')::uuid, 'booking.idle', 'idle');\n" } 1 .. 20;
	$node->safe_psql('postgres', $inserts);
	$since = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
	$node->safe_psql('postgres', $inserts =~ s/idle$batch/last$batch/gr);
	wait_for_worker_pass($since, "batch $batch: the commits woke the worker");
	# The transaction a wake-up would open runs right after the pass starts.
	sleep 1;
	$moved++ if $node->safe_psql('postgres', $worker_activity) ne $before;
}
my $periodic_looks = 1 + int((Time::HiRes::time() - $looked_at) / 10);
cmp_ok($moved, '<=', $periodic_looks,
	'no transaction per commit while no endpoint has a URL (only the periodic looks)');
diag("$moved of $batches batches met a worker transaction; at most $periodic_looks periodic looks fit")
  if $periodic_looks >= $batches;

# --- A URL set by a reload starts delivery of what is queued ----------------------
$node->safe_psql('postgres', 'TRUNCATE hooks.webhook_outbox, hooks.webhook_deliveries');
insert_many($node, 100, tag => 'url');
reload_settings($node, webhook_url => $recv->url('/hook'));
wait_for_drain($node, 'URL set by ALTER SYSTEM and a reload: the 100 queued events are delivered');
is($node->safe_psql('postgres', "SELECT count(*) FROM hooks.webhook_outbox WHERE status = 'delivered'"),
	'100', 'all of them');

# --- An endpoint resumed, or changed by a superuser's UPDATE ------------------------
reload_settings($node, webhook_url => '');
endpoint_set($node, 'crm', $recv->url('/crm'), event_types => ['crm.*']);
$node->safe_psql('postgres', "SELECT hooks.webhook_endpoint_pause('crm')");
insert_many($node, 100, tag => 'resume', event_type => 'crm.resumed');
$node->safe_psql('postgres', "SELECT hooks.webhook_endpoint_resume('crm')");
wait_for_drain($node, 'endpoint resumed: its 100 queued events are delivered');
$node->safe_psql('postgres', "SELECT hooks.webhook_endpoint_pause('crm')");
insert_many($node, 100, tag => 'update', event_type => 'crm.updated');
$node->safe_psql('postgres', "UPDATE hooks.webhook_endpoints SET paused = false WHERE name = 'crm'");
wait_for_drain($node, "a superuser's UPDATE of webhook_endpoints: 100 more delivered");
is($node->safe_psql('postgres',
		"SELECT count(*) FROM hooks.webhook_deliveries WHERE endpoint = 'crm' AND status = 'delivered'"),
	'200', 'every crm event was delivered');

# --- Copied events appearing while the worker runs -----------------------------------
# As a pg_restore --data-only into the live outbox would leave them: pending
# events whose origin is another database. The worker has long started.
my $offset = -s $node->logfile;
$node->safe_psql('postgres', <<'SQL');
BEGIN;
INSERT INTO booking_events (booking_id, event_type, description)
SELECT md5('copied' || g)::uuid, 'crm.copied', 'copied' FROM generate_series(1, 3) g;
UPDATE hooks.webhook_outbox SET origin = '1/1' WHERE status = 'pending';
COMMIT;
SQL
ok($node->wait_for_log(qr/3 pending events were written in another database/, $offset),
	'copied events that appear after the start are found');
insert_many($node, 2, tag => 'written.here', event_type => 'crm.here');
$since = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
$node->safe_psql('postgres', 'SELECT hooks.booking_events_wake_worker()');
wait_for_worker_pass($since, 'the worker looked again');
sleep 1;
is($node->safe_psql('postgres',
		"SELECT count(*) FROM hooks.webhook_outbox WHERE status = 'delivered' "
		  . "AND event_type IN ('crm.copied', 'crm.here')"),
	'0', 'nothing is sent while they are held');
is($node->safe_psql('postgres', 'SELECT hooks.booking_events_adopt(true)'), '3', 'adopted');
wait_for_drain($node, 'adopted: the copied events and the held ones are delivered');

$recv->stop;
done_testing();
