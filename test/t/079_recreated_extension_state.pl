# The DBA's day: DROP EXTENSION and CREATE EXTENSION while the worker keeps
# running. The new webhook_endpoint_state is empty; the worker writes every
# endpoint's state into it at its next look, whether a state changed or not.
# Before, it remembered what it had written into the dropped table and wrote
# nothing until some state changed: webhook_health() and
# webhook_endpoints_status read no live state (a state the worker had
# written in between, paused say, would never have been corrected).
# Twice: with a worker look between the DROP and the CREATE (it finds no
# extension), and both in one transaction (it never sees it missing).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

$BookingEventsTest::DB = 'app';
my $recv = start_receiver();
my $node = new_node('recreated_state',
	webhook_url => $recv->url('/hook'),
	database_name => 'app',
	backoff_base_ms => 100);

my $create = q{
	CREATE EXTENSION booking_events SCHEMA hooks;
	CREATE TRIGGER booking_events_webhook_trigger
	    AFTER INSERT ON booking.booking_events FOR EACH ROW
	    EXECUTE FUNCTION hooks.trigger_booking_event_webhook();
	SELECT hooks.booking_events_grant('monitoring', 'monitor');
};
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', qq{
	CREATE SCHEMA hooks;
	CREATE SCHEMA booking;
	CREATE TABLE booking.booking_events (id bigserial PRIMARY KEY, booking_id uuid,
	                                     event_type text, description text);
	CREATE ROLE monitoring LOGIN;
	$create
});
wait_for_worker($node) or die 'no worker';

sub deliver_one
{
	my ($type) = @_;
	$node->safe_psql('app', qq{
		INSERT INTO booking.booking_events (booking_id, event_type)
		VALUES (gen_random_uuid(), '$type')});
	ok( $node->poll_query_until('app',
			"SELECT count(*) = 1 FROM hooks.webhook_outbox WHERE event_type = '$type' AND status = 'delivered'"),
		"$type: delivered");
	return;
}

# What the monitoring role reads: default's state, and the reasons.
sub monitored
{
	my $health = decode_json($node->safe_psql('app', 'SELECT hooks.webhook_health()::text',
			extra_params => [ '-U', 'monitoring' ]));
	my $state = $node->safe_psql('app',
		"SELECT state FROM hooks.webhook_endpoints_status WHERE name = 'default'",
		extra_params => [ '-U', 'monitoring' ]);
	return "$health->{status} $state";
}

# No delivery before the recreations: a result not yet written would make
# the worker write at its next look anyway, recreated or not.
my $written = "SELECT count(*) = 1 FROM hooks.webhook_endpoint_state WHERE name = 'default'";
ok($node->poll_query_until('app', $written), "the worker has written default's state");
my $pid = worker_pid($node);

# --- DROP, a look that finds no extension, CREATE ---------------------------------
my $offset = -s $node->logfile;
$node->safe_psql('app', 'DROP EXTENSION booking_events CASCADE');
$node->wait_for_log(qr/extension "booking_events" is not created in this database; waiting/,
	$offset);
$node->safe_psql('app', $create);
ok($node->poll_query_until('app', $written),
	"recreated after the worker saw it missing: default's state is written again");

# --- DROP and CREATE in one transaction --------------------------------------------
$node->safe_psql('app', "BEGIN;\nDROP EXTENSION booking_events CASCADE;\n$create\nCOMMIT;");
ok($node->poll_query_until('app', $written),
	"recreated in one transaction: default's state is written again");

deliver_one('booking.after');
is(monitored(), 'ok active', 'the monitoring role reads webhook_health() ok, default active');
is(worker_pid($node), $pid, 'the same worker throughout');

done_testing();
