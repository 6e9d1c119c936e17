# Commits in a burst share the worker's transactions: each commit wakes the
# worker, but a transaction starts no sooner than a short window after the
# previous one, so the commits and results that arrive meanwhile are served
# together (core/transaction_pacing.hpp). Nothing is lost or sent twice on
# the way.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('coalesce');

# One event per commit, committed one after the other by one session, a
# millisecond apart: a worker that served each commit on its own would
# open a transaction for almost every one of them.
create_commit_trickle($node);

my $commits = 300;
$node->safe_psql('postgres', "CALL commit_trickle($commits, $commits, 'burst', 0.001, 'booking.burst')");
wait_for_drain($node, 'the burst is delivered');
check_nothing_lost($node, [$recv], 'burst');

# Each transaction of the worker records its attempts with one now(): the
# distinct created_at of their log rows count the transactions that
# recorded them. Fewer than the commits can only become more true as the
# worker falls behind.
my $transactions = $node->safe_psql('postgres',
	"SELECT count(DISTINCT created_at) FROM webhook_logs WHERE event_type = 'booking.burst'");
note("$commits commits delivered in $transactions recording transactions");
cmp_ok($transactions, '<', $commits,
	'the events of the burst were recorded in fewer worker transactions than commits');

$recv->stop;
done_testing();
