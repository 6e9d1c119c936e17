# A worker that starts reads the configuration files itself: it does not
# keep only the settings it was forked with. PostgreSQL drops a reload that
# reaches a background worker before it has set its own SIGHUP handler, so a
# pause and a resume sent while the worker started (the README's "Pause and
# resume", run right after CREATE EXTENSION) left it paused for good, with
# nothing sent until the next reload. That moment cannot be hit on purpose;
# what closes it is the first pass re-reading the files, and that is what
# this test sees: the files say paused, the postmaster has not re-read them,
# and a worker started now must still pause. Then a reload resumes it and
# the event written meanwhile is delivered.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('start_reads_config');
my $first = wait_for_worker($node);
ok($first, 'worker runs');

# Written to postgresql.auto.conf, not yet read by anyone.
$node->safe_psql('postgres', 'ALTER SYSTEM SET booking_events.paused = on');
my $offset = -s $node->logfile;
kill_worker($node, 'TERM');
my $second = wait_for_worker($node, $first);
ok($second, "the launcher started a new worker ($second)");

ok( $node->wait_for_log(
		qr/\[$second\] LOG:  booking_events worker: booking_events\.paused is on/, $offset),
	'the new worker read the file and paused');

$node->safe_psql('postgres', 'ALTER SYSTEM RESET booking_events.paused');
$node->reload;
insert_many($node, 5, tag => 'after');
wait_for_drain($node, 'after the reload the events are delivered');
is($recv->count, 5, 'each event once');
$recv->stop;
done_testing();
