# A worker with one request slot never sleeps on a due backlog. A quarter of
# the claimed slots go to the newest due events (those due in the last two
# seconds), kept as a running credit per endpoint; with a claim of one slot,
# every fourth claim was the newest lane alone. When the backlog's due
# events were all older than two seconds, that claim found nothing, said
# "nothing more due", and the worker slept until a commit woke it: here no
# commit comes, so the backlog was never delivered.
#
# Both claims have the two lanes: the deliveries' (1.2.0 on) and, for a
# database still at 1.1.0, the outbox's. (A circuit breaker's probe is a
# claim of one slot too, whatever max_concurrency says; there the stall
# ended at a later wake-up, so it is not a test of its own here.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

# Queues `$count` events of booking `$booking`, type `$type`, while delivery
# is paused, then polls until every row of `$table` is older than the newest
# lane's two seconds: a condition that stays true once reached.
sub queue_old_backlog
{
	my ($node, $table, $type, $count, $booking) = @_;
	$node->safe_psql('postgres', <<"SQL");
INSERT INTO booking_events (booking_id, event_type, description)
SELECT '$booking', '$type', '$type #' || g FROM generate_series(1, $count) g
SQL
	ok( $node->poll_query_until('postgres',
			"SELECT now() - max(next_attempt_at) > interval '3 seconds' FROM $table"),
		"$type: the backlog is older than the newest lane looks");
	return;
}

# --- max_concurrency = 1 -------------------------------------------------------
# 100 events of one booking, queued while delivery was paused: one is
# claimable at a time, and each claim asks for one.
my ($node, $recv) = node_with_receiver('one_slot', max_concurrency => 1, paused => 'on');
ok(wait_for_worker($node), 'worker runs');
my $booking = '00000000-0000-0000-0000-0000000001a1';
queue_old_backlog($node, 'webhook_deliveries', 'one.slot', 100, $booking);
reload_settings($node, paused => 'off');
# No commit from here on: only the worker's own claims can move the backlog.
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 100 FROM webhook_outbox WHERE event_type = 'one.slot' "
		  . "AND status = 'delivered'"),
	'one slot: the whole backlog is delivered without a commit to wake the worker')
  or diag($node->safe_psql('postgres',
	  "SELECT status, count(*) FROM webhook_outbox WHERE event_type = 'one.slot' GROUP BY 1"));
is( $node->safe_psql('postgres', <<'SQL'),
SELECT bool_and(seq_in_order) FROM (
  SELECT l.created_at >= lag(l.created_at) OVER (ORDER BY o.id) IS NOT FALSE AS seq_in_order
  FROM webhook_outbox o JOIN webhook_logs l USING (event_id)
  WHERE o.event_type = 'one.slot') s
SQL
	't', 'one slot: in the order they were written');

# --- A database still at 1.1.0 ---------------------------------------------------
my $recv_old = start_receiver();
my $old = new_node('one_slot_1_1_0',
	webhook_url => $recv_old->url('/hook'),
	max_concurrency => 1,
	paused => 'on');
$old->safe_psql('postgres', "CREATE EXTENSION booking_events VERSION '1.1.0'");
create_app_schema($old, extension => 0);
queue_old_backlog($old, 'webhook_outbox', 'one.slot.old', 100, $booking);
reload_settings($old, paused => 'off');
ok( $old->poll_query_until('postgres',
		"SELECT count(*) = 100 FROM webhook_outbox WHERE status = 'delivered'"),
	'1.1.0: the whole backlog is delivered without a commit to wake the worker')
  or diag($old->safe_psql('postgres', 'SELECT status, count(*) FROM webhook_outbox GROUP BY 1'));

$recv->stop;
$recv_old->stop;
done_testing();
