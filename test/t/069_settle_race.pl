# Two transactions that each change a different delivery of one event and
# each settle it must not lose each other's change. Before 1.4.0 each
# settle read the deliveries in its own snapshot and then waited on the
# outbox row: in READ COMMITTED the second one rewrote the row, after the
# first committed, from a snapshot that missed the first one's delivery.
# When those were the event's last two changes the outbox row stayed wrong
# for good ('pending' with nothing pending: never cleaned by retention,
# wrong in webhook_health and the statistics).
#
# No timing: a test session holds the event's outbox row (SELECT ... FOR
# UPDATE) while the worker records endpoint `default`'s answer and another
# session changes endpoint B's delivery of the same event (a manual retry,
# an endpoint removal); the test waits until one, then the other waits on a
# lock, releases the row, waits until both committed, and requires the
# outbox row to be the summary of its deliveries. With the row held, both
# settles have begun before either commits; the one that waited first gets
# the row first, and each race is run both ways: the worker's half of the
# fix (src/pg) and the SQL function's (1.4.0) each fail one order alone.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('settle_race',
	webhook_url => $recv->url('/default'),
	backoff_base_ms => 100,
	backoff_max_ms => 500,
	max_attempts => 100);
create_app_schema($node);
ok(wait_for_worker($node), 'the worker runs');
my $booking = create_booking($node);

sub delivery_status
{
	my ($event_id, $endpoint) = @_;
	return "SELECT d.status FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id "
	  . 'WHERE o.event_id = ' . pg_quote($event_id) . ' AND d.endpoint = ' . pg_quote($endpoint);
}

# Holds the event's outbox row, lets the worker record `default`'s 200 and
# runs $rival (SQL changing B's delivery and settling the event) in another
# session, the one named by $first first: each waits on the row before the
# other starts (the second queues behind the first, and gets the row after
# it); releases the row once both wait.
sub race
{
	my ($name, $event_id, $rival, $first) = @_;
	my $holder = $node->background_psql('postgres');
	$holder->query_safe('BEGIN; SELECT id FROM webhook_outbox WHERE event_id = '
		  . pg_quote($event_id) . ' FOR UPDATE');
	my $settler = $node->background_psql('postgres');
	my $settler_pid = $settler->query_safe('SELECT pg_backend_pid()');
	my @steps = (
		[ "backend_type = 'booking_events worker'",
			sub { $node->safe_psql('postgres', "SELECT webhook_endpoint_resume('default')") } ],
		[ "pid = $settler_pid",
			sub { $settler->query_until(qr/racing/, "\\echo racing\n$rival;\n") } ]);
	@steps = reverse @steps if $first eq 'rival';
	my @waiting;
	for my $step (@steps)
	{
		$step->[1]->();
		push @waiting, $step->[0];
		ok( $node->poll_query_until('postgres',
				'SELECT count(*) = ' . scalar(@waiting) . " FROM pg_stat_activity "
				  . "WHERE wait_event_type = 'Lock' AND (" . join(' OR ', @waiting) . ')'),
			"$name: " . (@waiting == 1 ? "the $first waits" : 'both wait') . ' on the held outbox row');
	}
	$holder->query_safe('COMMIT');
	$holder->quit;
	$settler->quit;
	ok($node->poll_query_until('postgres', delivery_status($event_id, 'default'), 'delivered'),
		"$name: the worker recorded default's answer");
	is(outbox_summary_mismatches($node, 'o.event_id = ' . pg_quote($event_id)), '',
		"$name: the outbox row is the summary of its deliveries");
	return;
}

# Each race has an endpoint B of its own, wanting only its event type: the
# event has two deliveries, default's and B's. Each kind of rival races
# twice, the worker first and the rival first: the later one must see the
# earlier one's change, whichever it is.
my $round = 0;
for my $first ('worker', 'rival')
{
	# --- the worker and retry_failed_webhooks() -------------------------------
	# B failed (410); default delivers while B is sent back: the event is
	# pending again (B paused), with every attempt counted.
	my $b = 'b' . ++$round;
	$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('default')");
	endpoint_set($node, $b, $recv->url("/$b"), event_types => ["$b.*"]);
	$recv->config({ paths => { "/$b" => { default_status => 410 } } });
	my $retried = insert_event($node, $booking->{id}, "$b.retry", 'retry race');
	ok($node->poll_query_until('postgres', delivery_status($retried, $b), 'failed'),
		"retry, $first first: B's delivery failed");
	$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('$b')");
	race("retry, $first first", $retried, "SELECT retry_failed_webhooks(3, '$b')", $first);
	is( $node->safe_psql('postgres',
			'SELECT status || attempts FROM webhook_outbox WHERE event_id = ' . pg_quote($retried)),
		'pending2', "retry, $first first: the event is pending (B sent back), both attempts counted");

	# --- the worker and webhook_endpoint_remove() -----------------------------
	# B pending at a paused endpoint, removed while default delivers: the
	# event fails ("endpoint removed"), it must not stay pending.
	$b = 'b' . ++$round;
	$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('default')");
	endpoint_set($node, $b, $recv->url("/$b"), event_types => ["$b.*"]);
	$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('$b')");
	my $removed = insert_event($node, $booking->{id}, "$b.removal", 'removal race');
	race("removal, $first first", $removed, "SELECT webhook_endpoint_remove('$b')", $first);
	is( $node->safe_psql('postgres',
			'SELECT status || coalesce(last_error, \'-\') FROM webhook_outbox WHERE event_id = '
			  . pg_quote($removed)),
		'failedendpoint removed', "removal, $first first: the event failed, not left pending");
}

$node->stop;
$recv->stop;
done_testing();
