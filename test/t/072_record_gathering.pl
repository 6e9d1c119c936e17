# At a steady rate the worker gathers answers over a window longer than
# its claims' (core/record_gathering.hpp): its transactions in between only
# claim, and one record statement carries the answers of several claims.
#
#  1. a trickle of commits 12 ms apart, longer than the claims' 8 ms
#     window, so each commit is claimed on its own, each event of a booking
#     of its own (an event that follows its booking's recorded answer has
#     its answer recorded at once): no record transaction
#     starts before the oldest answer it records is 25 ms old (before the
#     gathering, the next transaction recorded it a few ms after it came;
#     a slower machine only makes the records later, never earlier), every
#     event arrives once and is logged once, each booking's events in outbox
#     order, and the last answers are recorded with no later commit to wake
#     the worker. The recorder is off: it records a backlog on its own
#     schedule, and this check is the worker's;
#  2. kill -9 of the worker in the middle of a trickle, answers gathered
#     and not yet recorded: every committed event is delivered, every
#     duplicate was in flight or answered at the kill, and each event has
#     one webhook_logs row (an unrecorded answer is sent again, never
#     recorded twice).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use IPC::Run ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('gathering',
	receiver => { quiet => 1 },
	extra_conf => "restart_after_crash = on\nbooking_events.recorder = off\n");
ok(wait_for_worker($node), 'worker runs');

create_commit_trickle($node);

sub where_tag { my ($tag) = @_; return "payload->'booking_event'->>'description' LIKE '$tag #%'"; }

# "rows|events|all success" of the tag's webhook_logs rows.
sub logs_of
{
	my ($tag) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) || '|' || count(DISTINCT l.event_id) || '|' || bool_and(l.status = 'success') "
		  . "FROM webhook_logs l JOIN webhook_outbox o USING (event_id) WHERE o." . where_tag($tag));
}

# --- 1. a steady trickle ---------------------------------------------------------
my $n = 250;
$node->safe_psql('postgres', "CALL commit_trickle($n, $n, 'steady', 0.012)");
# Nothing commits from here on: the last answers are recorded by the
# gathering window's own timer.
wait_for_drain($node, 'the trickle is delivered and recorded', where => where_tag('steady'));
my $report = check_nothing_lost($node, [$recv], 'steady', where => where_tag('steady'));
my @inversions = booking_order_inversions($node, $report);
is(scalar @inversions, 0, 'events of each booking first arrived in outbox order');
is(logs_of('steady'), "$n|$n|true", 'one successful webhook_logs row per event');

# Each recording transaction writes its log rows with one now(), its start,
# taken after the worker decided to record: the oldest answer it records
# finished 25 ms (kRecordWindowMs) or more before, and the receiver's
# arrival time of that request is earlier still (same clock). 20 ms leaves
# room for the monotonic and the wall clock to differ. Nothing here depends
# on how fast the machine is: a late worker records later, not earlier.
my %arrived;
for my $request (@{ $recv->requests(since => 0) })
{
	my $id = $request->{headers}{'webhook-id'} // next;
	$arrived{$id} = $request->{time}
	  if !defined $arrived{$id} || $request->{time} < $arrived{$id};
}
my $recorded = $node->safe_psql('postgres',
	"SELECT l.event_id, extract(epoch FROM l.created_at) FROM webhook_logs l "
	  . "JOIN webhook_outbox o USING (event_id) WHERE o." . where_tag('steady'));
my %oldest_arrival;    # record transaction (its now()) -> oldest arrival it records
for my $line (split /\n/, $recorded)
{
	my ($event_id, $recorded_at) = split /\|/, $line;
	my $arrival = $arrived{$event_id};
	next unless defined $arrival;
	$oldest_arrival{$recorded_at} = $arrival
	  if !defined $oldest_arrival{$recorded_at} || $arrival < $oldest_arrival{$recorded_at};
}
my @early = grep { $_ - $oldest_arrival{$_} < 0.020 } keys %oldest_arrival;
note(scalar(keys %oldest_arrival) . " record transactions for $n answers");
cmp_ok(scalar(keys %oldest_arrival), '>', 0, 'the record transactions are found');
is(scalar @early, 0,
	'no record transaction started before its oldest answer had waited the 25 ms window');

# --- 2. kill -9 of the worker mid-trickle -------------------------------------------
$recv->reset;
my ($out, $err) = ('', '');
my $trickle = IPC::Run::start(
	[ 'psql', '-X', '-q', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
	  '-c', "CALL commit_trickle(100000, 25, 'killed', 0.003)" ],
	'>', \$out, '2>', \$err);
$recv->wait_for_count(300, 120);
my $offset = -s $node->logfile;
my $t0 = Time::HiRes::time();
my $worker = kill_worker($node, 'KILL');
my @kill_windows = ([ $t0, Time::HiRes::time() ]);
note('kill -9 of the worker after ' . $recv->count . ' requests');
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $offset);
# The crash ends the trickle's session too: what it committed is the test.
$trickle->finish;
ok(wait_for_worker($node, $worker), 'a worker runs again after the crash');
wait_for_drain($node, 'drained after the crash', where => where_tag('killed'));
$report = check_nothing_lost($node, [$recv], 'kill -9 mid-gathering',
	where => where_tag('killed'),
	max_duplicates => 200,
	allow_duplicate => in_flight_at(\@kill_windows));
@inversions = booking_order_inversions($node, $report);
is(scalar @inversions, 0, 'kill -9: first arrivals still in per-booking order');
my $committed = scalar @{ $report->{committed} };
is(logs_of('killed'), "$committed|$committed|true",
	'kill -9: one successful webhook_logs row per event, none recorded twice');

$recv->stop;
done_testing();
