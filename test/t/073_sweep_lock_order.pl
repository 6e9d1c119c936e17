# The worker's removed-endpoint sweep settles the events whose deliveries it
# ends, locking their outbox rows in id order; its record of answers does
# the same for the events it records. Both in one transaction were two lock
# runs: the worker held event A (the record) and waited for event B < A
# (the sweep) while another settler (a manual retry, an endpoint removal)
# could hold B and wait for A, a deadlock. The sweep now runs in a
# transaction of its own, after the record's committed.
#
# No timing: a holder session keeps A's outbox row while the worker records
# default's answer for A (it waits on the row), the endpoint of B's pending
# delivery is deleted, and once the worker's transaction is more than a
# second old (the sweep is due in it, however late its last one ran) the
# holder lets A go. Another session holds B all along; once the worker waits
# for it, that session takes A. Before the fix the worker held A then: one
# of the two was ended by "deadlock detected". Now A is free (the record
# committed), the session gets it, and the sweep ends B's delivery after.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('sweep_lock_order', webhook_url => $recv->url('/default'));
create_app_schema($node);
ok(wait_for_worker($node), 'the worker runs');

sub outbox_id
{
	my ($event_id) = @_;
	return $node->safe_psql('postgres',
		'SELECT id FROM webhook_outbox WHERE event_id = ' . pg_quote($event_id));
}

sub delivery_status
{
	my ($outbox_id, $endpoint) = @_;
	return "SELECT status FROM webhook_deliveries WHERE outbox_id = $outbox_id "
	  . 'AND endpoint = ' . pg_quote($endpoint);
}

# B: delivered to default, pending at the paused endpoint `gone`.
endpoint_set($node, 'gone', $recv->url('/gone'), event_types => ['gone.*']);
$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('gone')");
my $b = outbox_id(insert_event($node, create_booking($node)->{id}, 'gone.sweep', 'swept'));
ok($node->poll_query_until('postgres', delivery_status($b, 'default'), 'delivered'),
	"B's delivery to default is delivered");

# A (a later id): pending at default (paused for now) and at `other`
# (paused): two deliveries, so the record locks A's outbox row.
endpoint_set($node, 'other', $recv->url('/other'), event_types => ['other.*']);
$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('other')");
$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('default')");
my $a = outbox_id(insert_event($node, create_booking($node)->{id}, 'other.record', 'recorded'));
ok($a > $b, 'A comes after B in id order');

my $holder = $node->background_psql('postgres');
$holder->query_safe("BEGIN; SELECT id FROM webhook_outbox WHERE id = $a FOR UPDATE");
my $rival = $node->background_psql('postgres');
my $rival_pid = $rival->query_safe('SELECT pg_backend_pid()');
$rival->query_safe("BEGIN; SELECT id FROM webhook_outbox WHERE id = $b FOR UPDATE");
my $log_offset = -s $node->logfile;

$node->safe_psql('postgres', "SELECT webhook_endpoint_resume('default')");
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'booking_events worker' "
		  . "AND wait_event_type = 'Lock'"),
	"the worker's record waits on A's held row");
$node->safe_psql('postgres', "DELETE FROM webhook_endpoints WHERE name = 'gone'");
ok( $node->poll_query_until('postgres',
		"SELECT clock_timestamp() - xact_start > interval '1.2 s' FROM pg_stat_activity "
		  . "WHERE backend_type = 'booking_events worker'"),
	"the worker's transaction is over a second old: the sweep is due after the record");
$holder->query_safe('COMMIT');
$holder->quit;
ok( $node->poll_query_until('postgres',
		"SELECT $rival_pid = ANY (pg_blocking_pids(pid)) FROM pg_stat_activity "
		  . "WHERE backend_type = 'booking_events worker'"),
	"the sweep waits on B's row");
$rival->query("SELECT id FROM webhook_outbox WHERE id = $a FOR UPDATE");
unlike(log_since($node, $log_offset), qr/deadlock detected/,
	'taking A after B, as a settler of both does, deadlocks with nothing');
$rival->query('COMMIT');
$rival->quit;

ok($node->poll_query_until('postgres', delivery_status($a, 'default'), 'delivered'),
	"the worker recorded default's answer for A");
ok($node->poll_query_until('postgres', delivery_status($b, 'gone'), 'failed'),
	"the sweep ended B's delivery to the deleted endpoint");
ok( $node->poll_query_until('postgres',
		"SELECT status || ' ' || last_error FROM webhook_outbox WHERE id = $b",
		'failed endpoint removed'),
	'B failed: endpoint removed');
is(outbox_summary_mismatches($node, "o.id IN ($a, $b)"), '',
	'both outbox rows are the summary of their deliveries');

$node->stop;
$recv->stop;
done_testing();
