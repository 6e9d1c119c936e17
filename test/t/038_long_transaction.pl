# A long transaction holds back the cleanup of the outbox (every delivered
# event leaves a dead row that no vacuum may remove while an older snapshot
# is open, and claims step over them). The worker names it: one WARNING with
# the backend's pid, the same pid in webhook_health(), and one line when it
# is over.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('long_transaction',
	receiver => { quiet => 1 });
ok(wait_for_worker($node), 'worker runs');

my $offset = -s $node->logfile;
my $open_tx = $node->background_psql('postgres');
$open_tx->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
my $holder = $open_tx->query_safe('SELECT pg_backend_pid()');
chomp $holder;

# The worker looks every ten seconds while it delivers (an idle worker makes
# no dead rows and looks at nothing); the transaction counts as long after
# thirty seconds. Deliveries go on meanwhile.
sub deliver_until_logged
{
	my ($pattern, $tag) = @_;
	for my $round (1 .. 60)
	{
		insert_many($node, 20, bookings => 5, tag => "$tag$round");
		return 1 if log_since($node, $offset) =~ $pattern;
		sleep 2;
	}
	return 0;
}

ok( deliver_until_logged(
		qr/the transaction of backend $holder, open since .*, holds back the cleanup of the outbox/,
		'during'),
	'the worker names the backend in the log');
is( $node->safe_psql('postgres', "SELECT webhook_health()->'worker_xmin_holder'->>'pid'"),
	$holder, 'webhook_health() shows the same backend');
wait_for_drain($node, 'delivery went on while the transaction was open');

# Still open: no second warning.
insert_many($node, 50, bookings => 5, tag => 'more');
sleep 12;
insert_many($node, 50, bookings => 5, tag => 'more2');
wait_for_drain($node, 'more deliveries');
my $log = log_since($node, $offset);
my $warnings = () = $log =~ /holds back the cleanup of the outbox/g;
is($warnings, 1, 'one warning per state change, not one per look');

$open_tx->query_safe('COMMIT');
$open_tx->quit;
ok(deliver_until_logged(qr/no long transaction holds back the outbox any more/, 'after'),
	'the end of it is logged');
is($node->safe_psql('postgres', "SELECT webhook_health()->'worker_xmin_holder' = 'null'::jsonb"),
	't', 'webhook_health() no longer shows it');

$recv->stop;
done_testing();
