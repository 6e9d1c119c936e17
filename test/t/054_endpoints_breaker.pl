# Endpoints (#11), circuit breaker: a receiver that refuses connections
# opens the endpoint's breaker after breaker_failures failed attempts; while
# it is open one probe goes out per breaker_probe_ms (counted in
# webhook_logs, within generous bounds), no attempt is burned (max_attempts
# is 3 and nothing fails), the state shows in webhook_endpoints_status and
# webhook_health(), the opening is logged once; `default` keeps delivering.
# When the receiver comes back the breaker closes (logged once) and the
# backlog drains.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my $probe_ms = 1000;
my ($node, $recv) = endpoints_node('ep_breaker',
	backoff_max_ms => 200,
	max_attempts => 3,
	breaker_failures => 3,
	breaker_probe_ms => $probe_ms);
my $crm = start_receiver();
endpoint_set($node, 'crm', $crm->url('/crm'));
$crm->stop;    # connection refused from now on
my $log_offset = -s $node->logfile;

insert_many($node, 10, bookings => 10, tag => 'breaker', event_type => 'booking.breaker');
# (Bounded waits: on a loaded machine each poll takes long, and the
# suite's default would wait a quarter of an hour on a missing state.)
ok( poll_within($node, 120,
		"SELECT state IN ('open', 'half_open') FROM webhook_endpoints_status WHERE name = 'crm'"),
	'the refused endpoint opens its breaker (webhook_endpoints_status shows it)');
ok( $node->poll_query_until('postgres',
		"SELECT count(*) >= 10 FROM webhook_deliveries WHERE endpoint = 'default' AND status = 'delivered'"),
	'default delivers every event meanwhile');
like($node->safe_psql('postgres', 'SELECT webhook_health()::text'), qr/crm/,
	'webhook_health() names the open endpoint');

# Probes over a measured stretch of time. A failed probe is logged but burns
# no attempt. Lower bound generous: a busy machine can only probe less often.
my $count_logs = "SELECT count(*) FROM webhook_logs WHERE endpoint = 'crm'";
my ($t1, $logs1) = (Time::HiRes::time(), $node->safe_psql('postgres', $count_logs));
sleep 8;    # the observation window, not a wait for a condition
my ($t2, $logs2) = (Time::HiRes::time(), $node->safe_psql('postgres', $count_logs));
my $probes = $logs2 - $logs1;
my $intervals = ($t2 - $t1) * 1000 / $probe_ms;
note(sprintf('%d probes in %.1f s (probe every %d ms)', $probes, $t2 - $t1, $probe_ms));
cmp_ok($probes, '<=', $intervals + 2, 'no more than one probe per breaker_probe_ms');
cmp_ok($probes, '>=', 2, 'and probes do go out');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'crm' AND status = 'pending'"),
	'10', 'all ten wait at crm');
cmp_ok($node->safe_psql('postgres', "SELECT max(attempts) FROM webhook_deliveries WHERE endpoint = 'crm'"),
	'<', 3, 'no event used up its attempts while the breaker was open');
my @opened = grep { /\bcrm\b/ && /circuit|breaker/i && /\bopen/i && !/half|clos/i }
  split /\n/, log_since($node, $log_offset);
is(scalar @opened, 1, 'the opening is logged once, not once per probe')
  or diag(join("\n", @opened[ 0 .. ($#opened > 5 ? 5 : $#opened) ]));

# --- the receiver comes back -----------------------------------------------
$crm->start_on_same_port;
ok( poll_within($node, 120,
		"SELECT state = 'active' AND consecutive_failures = 0 FROM webhook_endpoints_status WHERE name = 'crm'"),
	'the first answered probe closes the breaker');
wait_for_drain($node, 'the backlog drains');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'crm' AND status = 'delivered'"),
	'10', 'all ten delivered to crm');
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status = 'failed'"),
	'0', 'no event ended failed because the receiver was down');
my %got = map { $_->{id} => 1 } grep { ($_->{status} // 0) == 200 } @{ path_requests($crm, '/crm') };
is(scalar(keys %got), 10, 'the crm receiver got each of the ten events');
my @closed = grep { /\bcrm\b/ && /circuit|breaker/i && /clos/i } split /\n/, log_since($node, $log_offset);
is(scalar @closed, 1, 'the closing is logged once')
  or diag(join("\n", @closed));

$node->stop;
$recv->stop;
$crm->stop;
done_testing();
