# The receiver goes away for a while. Events wait with a growing backoff
# (not a tight loop), later events of a booking wait behind its first one,
# every failed attempt is in webhook_logs (failed, no http_status, "connection
# refused"), and once the receiver is back everything is delivered, once.
# Then an outage that cuts requests in flight (the receiver stalls, then
# dies): those are retried too.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

# breaker_failures out of reach: this test is about each event's backoff
# and order during an outage, not the endpoint's circuit breaker (054).
my ($node, $recv) = node_with_receiver('outage',
	backoff_base_ms => 100,
	backoff_max_ms => 800,
	max_attempts => 50,
	breaker_failures => 100000);

# A delivery first, so that the worker holds a keep-alive connection that
# the outage cuts.
my $b0 = create_booking($node);
wait_for_status($node, insert_event($node, $b0->{id}, 'booking.before', 'before the outage'),
	'delivered');

# --- connection refused -------------------------------------------------------------
$recv->stop;
my $outage_started = Time::HiRes::time();
# 10 bookings, 5 events each: the first of each is tried, the rest wait.
insert_many($node, 50, bookings => 10, tag => 'outage');
my $heads = "id IN (SELECT min(id) FROM webhook_outbox WHERE status <> 'delivered' "
  . "GROUP BY booking_id)";
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 10 FROM webhook_outbox WHERE attempts >= 4 AND $heads"),
	'the first event of each booking is tried again and again');
# Hold the outage a little longer, to see the backoff grow.
Time::HiRes::sleep(1.5);
my $during = $node->safe_psql('postgres',
	"SELECT count(*) FILTER (WHERE attempts > 0 AND NOT $heads) || '|' "
	  . "|| count(*) FILTER (WHERE status = 'pending') || '|' || max(attempts) "
	  . "FROM webhook_outbox WHERE event_type = 'bulk.event'");
my ($tried_behind, $pending, $max_attempts) = split /\|/, $during;
is($tried_behind, 0, 'later events of a booking are not tried while its first one waits');
is($pending, 50, 'all 50 events still pending during the outage');
my $outage_s = Time::HiRes::time() - $outage_started;
note(sprintf('outage so far %.1f s, at most %d attempts per event', $outage_s, $max_attempts));
# Minimum delays (jitter at 50%) are 50, 100, 200, 400, then 400 ms (cap
# 800): at most 1 + 3 + (outage - 0.75 s) / 0.4 s attempts, plus slack.
my $bound = 4 + int(($outage_s - 0.75) / 0.4) + 3;
cmp_ok($max_attempts, '<=', $bound,
	sprintf('backoff: at most %d attempts in %.1f s (no tight loop)', $bound, $outage_s));
ok( $node->safe_psql('postgres',
		"SELECT bool_and(next_attempt_at > now() - interval '1 second') FROM webhook_outbox "
		  . "WHERE $heads AND event_type = 'bulk.event'"),
	'the waiting events have a next attempt scheduled');

my $failed = $node->safe_psql('postgres', <<'SQL');
SELECT count(*) || '|' || count(*) FILTER (WHERE status = 'failed' AND http_status IS NULL
        AND error = 'connection refused' AND response_time_ms >= 0)
FROM webhook_logs WHERE event_type = 'bulk.event'
SQL
my ($log_n, $log_refused) = split /\|/, $failed;
cmp_ok($log_n, '>=', 40, "$log_n failed attempts logged");
is($log_refused, $log_n,
	'each is status failed, http_status NULL, error "connection refused"')
  or diag($node->safe_psql('postgres',
	  "SELECT status, http_status, error, count(*) FROM webhook_logs GROUP BY 1, 2, 3"));
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE status = 'pending' AND $heads "
		  . "AND last_error = 'connection refused' AND last_http_status IS NULL"),
	'10', 'outbox last_error / last_http_status of the waiting events');

# The gaps between attempts grow: attempt 4 follows attempt 3 by at least
# 200 ms (half of 400), while attempt 2 followed attempt 1 by at most 100 ms
# plus the time to record it.
my $gaps = $node->safe_psql('postgres', <<'SQL');
WITH l AS (
    SELECT event_id, attempt,
           extract(epoch FROM created_at - lag(created_at) OVER w) AS gap
    FROM webhook_logs WHERE event_type = 'bulk.event' WINDOW w AS (PARTITION BY event_id ORDER BY attempt)
)
SELECT round(min(gap) FILTER (WHERE attempt = 4)::numeric, 3) || '|'
    || round(max(gap) FILTER (WHERE attempt = 2)::numeric, 3) FROM l
SQL
my ($gap4, $gap2) = split /\|/, $gaps;
note("gaps: attempt 1->2 at most $gap2 s, attempt 3->4 at least $gap4 s");
cmp_ok($gap4, '>=', 0.19, 'backoff grows: attempt 3 -> 4 waits at least ~200 ms');

# --- the receiver is back ---------------------------------------------------------------
my $back = Time::HiRes::time();
$recv->start_on_same_port;
wait_for_drain($node, 'all events delivered once the receiver is back');
my $took = Time::HiRes::time() - $back;
note(sprintf('drained %.1f s after the receiver came back', $took));
cmp_ok($took, '<', 15, 'the backlog drains within a few backoff caps');
check_nothing_lost($node, [$recv], 'refused',
	where => "event_type = 'bulk.event'", check_payload => 1);
is( $node->safe_psql('postgres', <<'SQL'),
SELECT count(*) FROM (
    SELECT o.event_id FROM webhook_outbox o JOIN webhook_logs l USING (event_id)
    WHERE o.event_type = 'bulk.event'
    GROUP BY o.event_id, o.attempts
    HAVING count(*) <> o.attempts
        OR array_agg(l.attempt ORDER BY l.attempt) <> array(SELECT generate_series(1, o.attempts))
        OR count(*) FILTER (WHERE l.status = 'success') <> 1
        OR max(l.attempt) FILTER (WHERE l.status = 'success') <> o.attempts
) bad
SQL
	'0', 'per event: log rows 1..attempts, the last one the only success');

# --- an outage that cuts requests in flight -------------------------------------------------
# The receiver stalls every first request, then dies with them open.
$recv->reset;
$recv->config({ stall_first_per_event => 1, stall_ms => 5000 });
insert_many($node, 20, bookings => 20, tag => 'cut');
is($recv->wait_for_count(20, 30), 20, 'twenty requests in flight');
my @windows;
my $t0 = Time::HiRes::time();
$recv->stop;
push @windows, [ $t0, Time::HiRes::time() ];
ok( $node->poll_query_until('postgres',
		"SELECT count(DISTINCT l.event_id) = 20 FROM webhook_logs l JOIN webhook_outbox o USING (event_id) "
		  . "WHERE o.payload->'booking_event'->>'description' LIKE 'cut%' AND l.status = 'failed'"),
	'each cut request is logged as a failed attempt');
my $cut_errors = $node->safe_psql('postgres', <<'SQL');
SELECT string_agg(DISTINCT coalesce(l.error, '<null>'), ' / ')
FROM webhook_logs l JOIN webhook_outbox o USING (event_id)
WHERE o.payload->'booking_event'->>'description' LIKE 'cut%' AND l.attempt = 1
SQL
note("errors of the cut requests: $cut_errors");
like($cut_errors, qr/^(?:(?:connection closed without a response|connection reset while receiving the response|connection refused)(?: \/ )?)+$/,
	'cut requests are logged as connection errors');
$recv->start_on_same_port;
$recv->config({});
wait_for_drain($node, 'the cut events are delivered after the second outage');
check_nothing_lost($node, [$recv], 'cut in flight',
	where => "payload->'booking_event'->>'description' LIKE 'cut%'",
	# A stalled request is recorded with the 200 it would have had.
	max_duplicates => 20,
	allow_duplicate => in_flight_at(\@windows));

$node->stop;
$recv->stop;
done_testing();
