# An idle worker uses no CPU: it sleeps on its latch, whether delivery is
# paused (no URL), the extension is not created yet, or all is delivered.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

sub idle_ticks
{
	my ($node, $seconds) = @_;
	my $pid = worker_pid($node);
	my $before = cpu_ticks($pid);
	sleep $seconds;
	return cpu_ticks($pid) - $before;
}

my $recv = start_receiver();
# No URL and no extension yet: the worker waits, and its periodic look for
# the extension (every 5 s) must not turn into a busy loop.
my $node = new_node('idle');
wait_for_worker($node);
sleep 6;    # past the first periodic look
my $ticks = idle_ticks($node, 3);
cmp_ok($ticks, '<=', 10, "paused, no extension: $ticks ticks of CPU in 3 s");

# Everything delivered: nothing to do until the next commit.
$node->append_conf('postgresql.conf', conf_line(webhook_url => $recv->url('/hook')));
$node->reload;
create_app_schema($node);
my $b = create_booking($node);
wait_for_status($node, insert_event($node, $b->{id}, 'booking.idle', 'one event'), 'delivered');
$ticks = idle_ticks($node, 3);
cmp_ok($ticks, '<=', 10, "all delivered: $ticks ticks of CPU in 3 s");

$recv->stop;
done_testing();
