# The DBA's day: webhook_health() names why nothing is sent, each cause as
# what it is. `default` without a URL and booking_events.paused hold
# delivery; only webhook_endpoint_pause() pauses an endpoint. Before, the
# worker wrote `default`'s state as 'paused' for an empty webhook_url (and
# every endpoint's for booking_events.paused), and webhook_health() sent the
# DBA to resume what nobody had paused ("paused by webhook_endpoint_pause()").
# Installed as README's Installing for production says: the extension in
# schema hooks, the monitoring and admin roles granted by
# booking_events_grant() and used for every look and change.
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
my $node = new_node('health_causes', webhook_url => '', database_name => 'app', backoff_base_ms => 100);

$node->safe_psql('postgres', 'CREATE DATABASE app');
create_app_schema($node, extension_schema => 'hooks');
$node->safe_psql('app', q{
	CREATE ROLE monitoring LOGIN;
	CREATE ROLE webhook_admin LOGIN;
	SELECT hooks.booking_events_grant('monitoring', 'monitor');
	SELECT hooks.booking_events_grant('webhook_admin', 'admin');
});

sub as_role
{
	my ($role, $sql) = @_;
	return $node->safe_psql('app', $sql, extra_params => [ '-U', $role ]);
}

sub health
{
	return decode_json(as_role('monitoring', 'SELECT hooks.webhook_health()::text'));
}

sub endpoint_reasons
{
	my ($health) = @_;
	return [ grep { /^endpoint / } @{ $health->{reasons} } ];
}

# webhook_health() says paused, for this reason, and no endpoint is said to
# be paused (by webhook_endpoint_pause() or anything else).
sub held_for
{
	my ($case, $reason) = @_;
	my $health = health();
	is($health->{status}, 'paused', "$case: status paused");
	ok((grep { $_ eq $reason } @{ $health->{reasons} }), "$case: the reason is '$reason'");
	is_deeply(endpoint_reasons($health), [], "$case: no endpoint is said to be paused")
	  or diag explain $health->{reasons};
	return;
}

sub endpoint_state
{
	my ($name) = @_;
	return as_role('monitoring',
		"SELECT state FROM hooks.webhook_endpoints_status WHERE name = " . pg_quote($name));
}

# The worker writes `default`'s state row on its first look at the new
# extension (the look CREATE EXTENSION asks for).
ok( $node->poll_query_until('app',
		"SELECT count(*) = 1 FROM hooks.webhook_endpoint_state WHERE name = 'default'"),
	"the worker has written default's state");

# --- No webhook URL ---------------------------------------------------------------
held_for('no URL', 'booking_events.webhook_url is empty');
is(endpoint_state('default'), 'active',
	'no URL: webhook_endpoints_status does not call default paused');

# Deliveries waiting for `default` while another endpoint takes its own.
insert_many($node, 2, bookings => 2, event_type => 'booking.early');
as_role('webhook_admin',
	"SELECT hooks.webhook_endpoint_set('crm', " . pg_quote($recv->url('/crm'))
	  . ", event_types => ARRAY['crm.*'])");
insert_many($node, 1, bookings => 1, event_type => 'crm.created');
ok( $node->poll_query_until('app',
		"SELECT count(*) = 1 FROM hooks.webhook_deliveries WHERE endpoint = 'crm' AND status = 'delivered'"),
	"crm's event is delivered");
my $health = health();
ok( (grep { $_ eq 'booking_events.webhook_url is empty: 2 deliveries to endpoint "default" are pending' }
		@{ $health->{reasons} }),
	'no URL, another endpoint: the reason counts what waits for default')
  or diag explain $health->{reasons};
is_deeply(endpoint_reasons($health), [], 'no URL, another endpoint: no endpoint said paused')
  or diag explain $health->{reasons};

# --- webhook_endpoint_pause() is still named as the cause ---------------------------
as_role('webhook_admin', "SELECT hooks.webhook_endpoint_pause('crm')");
$health = health();
is(scalar(grep { /^endpoint "crm": paused by webhook_endpoint_pause\(\) since / } @{ $health->{reasons} }),
	1, 'webhook_endpoint_pause(): named as the cause');
is_deeply([ grep { /^endpoint "default"/ } @{ $health->{reasons} } ], [],
	'webhook_endpoint_pause(crm): nothing said about default')
  or diag explain $health->{reasons};
as_role('webhook_admin', "SELECT hooks.webhook_endpoint_resume('crm')");

# --- booking_events.paused ----------------------------------------------------------
# The server starts paused, with a URL: the worker's first look writes every
# endpoint's state (since its start) while the setting holds delivery.
$node->safe_psql('postgres', q{ALTER SYSTEM SET booking_events.paused = on});
$node->safe_psql('postgres',
	'ALTER SYSTEM SET booking_events.webhook_url = ' . pg_quote($recv->url('/hook')));
my $before = $node->safe_psql('app', 'SELECT clock_timestamp()');
$node->restart;
ok( $node->poll_query_until('app',
		"SELECT count(*) = 2 FROM hooks.webhook_endpoint_state WHERE state_since > '$before'"),
	'paused from the start: the worker has written both states');
held_for('booking_events.paused', 'booking_events.paused is on');
is(endpoint_state('default') . ' ' . endpoint_state('crm'), 'active active',
	'booking_events.paused: both endpoints keep their own state');

# Turned off: everything waiting is delivered.
$node->safe_psql('postgres', q{ALTER SYSTEM SET booking_events.paused = off});
$node->reload;
ok( $node->poll_query_until('app',
		"SELECT count(*) = 0 FROM hooks.webhook_deliveries WHERE status <> 'delivered'"),
	'resumed: the waiting deliveries are delivered');
is(health()->{status}, 'ok', 'webhook_health: ok');

done_testing();
