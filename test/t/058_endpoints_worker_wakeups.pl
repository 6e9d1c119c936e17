# Endpoints (#11), the worker's wake-ups: while every endpoint is paused the
# worker sends nothing, but a change to webhook_endpoints (a resume, a new
# endpoint) must still reach it. It learns of such a change only inside a
# transaction, so a wake-up is worth one whenever the schema has endpoints.
# Before that rule, a worker that had seen every endpoint paused ignored its
# wake-ups and the events waited forever.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = endpoints_node('ep_wakeups');

$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('default')");
ok( $node->poll_query_until('postgres',
		"SELECT state = 'paused' FROM webhook_endpoint_state WHERE name = 'default'"),
	'the worker has seen default paused');

insert_many($node, 3, bookings => 3, tag => 'resume', event_type => 'booking.resume');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_deliveries WHERE endpoint = 'default' AND status = 'pending'"),
	'3', 'the events wait at the paused endpoint');

$node->safe_psql('postgres', "SELECT webhook_endpoint_resume('default')");
wait_for_drain($node, 'resumed: the waiting events are delivered');

# Every endpoint paused again, then a new endpoint: its events go out.
$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('default')");
ok( $node->poll_query_until('postgres',
		"SELECT state = 'paused' FROM webhook_endpoint_state WHERE name = 'default'"),
	'default paused again');
endpoint_set($node, 'crm', $recv->url('/crm'), event_types => ['crm.*']);
insert_many($node, 2, bookings => 2, tag => 'crm', event_type => 'crm.created');
# (They are routed to the paused default too, where they wait: their
# outbox rows stay pending, so the test watches crm's deliveries.)
ok( $node->poll_query_until('postgres',
		"SELECT count(*) = 2 FROM webhook_deliveries WHERE endpoint = 'crm' AND status = 'delivered'"),
	"a new endpoint's events are delivered while default stays paused");

# A database still at 1.1.0 (no endpoints table), started with an empty
# webhook_url: once the worker has seen `default` without a URL, the reload
# that sets one must still be taken in. Before, the worker looked at the
# settings only inside a transaction and opened none while `default` was
# paused, so the events waited forever.
my $old = new_node('old_wakeups', webhook_url => '', backoff_base_ms => 100);
$old->safe_psql('postgres', "CREATE EXTENSION booking_events VERSION '1.1.0'");
create_app_schema($old, extension => 0);
insert_many($old, 3, bookings => 3, tag => 'old', event_type => 'booking.old');
sleep 2;    # lets the worker see the empty URL first (the order that lost the reload)
$old->safe_psql('postgres',
	'ALTER SYSTEM SET booking_events.webhook_url = ' . pg_quote($recv->url('/old')));
$old->reload;
wait_for_drain($old, '1.1.0: the events queued while webhook_url was empty are delivered');

done_testing();
