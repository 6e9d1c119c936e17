# At a steady rate the worker gathers answers over a window longer than
# its claims' (core/record_gathering.hpp): its transactions in between only
# claim, and one record statement carries the answers of several claims.
#
#  1. a trickle of commits 12 ms apart, longer than the claims' 8 ms
#     window, so each commit is claimed on its own: the record transactions
#     carry more than 1.5 answers each on average (one each before the
#     gathering), every event arrives once and is logged once, each
#     booking's events in outbox order, and the last answers are recorded
#     with no later commit to wake the worker;
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
	extra_conf => "restart_after_crash = on\n");
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
$node->safe_psql('postgres', "CALL commit_trickle($n, 25, 'steady', 0.012)");
# Nothing commits from here on: the last answers are recorded by the
# gathering window's own timer.
wait_for_drain($node, 'the trickle is delivered and recorded', where => where_tag('steady'));
my $report = check_nothing_lost($node, [$recv], 'steady', where => where_tag('steady'));
my @inversions = booking_order_inversions($node, $report);
is(scalar @inversions, 0, 'events of each booking first arrived in outbox order');
is(logs_of('steady'), "$n|$n|true", 'one successful webhook_logs row per event');

# Each recording transaction writes its log rows with one now(): the distinct
# created_at count them. A claim per commit recorded the previous commit's
# answer, about one per transaction; gathered, several share one. A slower
# worker only gathers more.
my $records = $node->safe_psql('postgres',
	"SELECT count(DISTINCT l.created_at) FROM webhook_logs l JOIN webhook_outbox o "
	  . "USING (event_id) WHERE o." . where_tag('steady'));
note("$n answers recorded in $records transactions");
cmp_ok($n / $records, '>', 1.5,
	'the record transactions carry the answers of several claims (more than 1.5 each)');

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
