# A receiver that fails at random (about 30% 503s) does not flood the log:
# "deliveries are failing" / "deliveries succeed again" are written per change
# of state, at most one per ten seconds, with the counts in between. Before,
# each flip was a line: 60,000 lines for 144,000 requests.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('flapping',
	receiver => { quiet => 1 },
	backoff_base_ms => 10,
	backoff_max_ms => 50,
	max_attempts => 100);
srand(15);
my $requests = 7000;
$recv->config({ statuses => [ map { rand() < 0.3 ? 503 : 200 } 1 .. $requests ] });
ok(wait_for_worker($node), 'worker runs');

my $offset = -s $node->logfile;
my $started = Time::HiRes::time();
insert_many($node, 4000, bookings => 400, tag => 'flap');
wait_for_drain($node, 'everything is delivered despite the failures');
my $elapsed = Time::HiRes::time() - $started;
check_nothing_lost($node, [$recv], 'flapping receiver');

my $failed = $node->safe_psql('postgres', "SELECT count(*) FROM webhook_logs WHERE status = 'failed'");
cmp_ok($failed, '>=', 100, "the receiver did fail often ($failed failed attempts)");
my $log = log_since($node, $offset);
my $lines = () = $log =~ /deliveries (?:are failing|succeed again)/g;
# One line per ten seconds at most, plus the first and a last one.
my $bound = 2 + int($elapsed / 10) + 1;
note(sprintf('%d state lines in %.1f s for %d failed attempts', $lines, $elapsed, $failed));
cmp_ok($lines, '>=', 1, 'the failures were reported');
cmp_ok($lines, '<=', $bound, "at most $bound state lines");
like($log, qr/attempts failed and \d+ succeeded since the previous report/,
	'the lines carry the counts');

$recv->stop;
done_testing();
