# While delivery has nowhere to send (no URL) or is paused, the worker
# wants a look from the first commit on and learns nothing from the next
# ones: those commits leave it asleep, instead of waking it once each (a
# wake-up per commit of the application; BENCHMARKS.md, trig9). Whatever
# ends the wait still reaches it: a URL set, or delivery resumed, delivers
# every event queued meanwhile.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

# The times the worker went to sleep and was woken (each wake-up from its
# latch is one).
sub wakeups
{
	my ($pid) = @_;
	my $status = PostgreSQL::Test::Utils::slurp_file("/proc/$pid/status");
	$status =~ /^voluntary_ctxt_switches:\s+(\d+)/m
	  or die "no voluntary_ctxt_switches in /proc/$pid/status";
	return $1;
}

# 300 transactions of one event each, 2 ms apart: time for a worker woken
# by each to go back to sleep before the next.
sub wakeups_over_commits
{
	my ($node, $tag) = @_;
	my $pid = worker_pid($node);
	my $before = wakeups($pid);
	$node->safe_psql('postgres', "CALL commit_trickle(300, 50, '$tag', 0.002)");
	return wakeups($pid) - $before;
}

my $recv = start_receiver();
my $node = new_node('commits_while_paused');
create_app_schema($node);
create_commit_trickle($node);
wait_for_worker($node);

# No URL. The first commits may each still wake the worker (it may owe its
# periodic look); after them it wants a look and stays asleep.
$node->safe_psql('postgres', "CALL commit_trickle(2, 2, 'first', 0)");
my $woken = wakeups_over_commits($node, 'no url');
cmp_ok($woken, '<', 30, "no URL: 300 commits woke the worker $woken times");

# A URL set: everything queued so far is delivered.
reload_settings($node, webhook_url => $recv->url('/hook'));
wait_for_drain($node, 'the events queued without a URL are delivered once it is set');

# booking_events.paused: the same, and resuming delivers.
my $offset = -s $node->logfile;
reload_settings($node, paused => 'on');
$node->wait_for_log(qr/booking_events\.paused is on: delivery is paused/, $offset);
$node->safe_psql('postgres', "CALL commit_trickle(2, 2, 'paused first', 0)");
$woken = wakeups_over_commits($node, 'paused');
cmp_ok($woken, '<', 30, "paused: 300 commits woke the worker $woken times");
reload_settings($node, paused => 'off');
wait_for_drain($node, 'the events queued while paused are delivered once resumed');
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered'"),
	'0', 'every event delivered');

$recv->stop;
done_testing();
