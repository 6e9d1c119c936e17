# The DBA's day (issue #14): booking_events.paused holds delivery without
# touching the URL; a database_name change waits for a restart and says so;
# dropdb works while the worker is connected; a restored dump sends none of
# the events it carries until booking_events_adopt() says so. The extension
# lives in schema hooks, the application in schema booking.
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
my $node = new_node('dba_day',
	webhook_url => $recv->url('/hook'),
	database_name => 'app',
	max_concurrency => 2);

sub create_app
{
	$node->safe_psql('postgres', 'CREATE DATABASE app');
	$node->safe_psql('app', q{
		ALTER DATABASE app SET search_path = booking, hooks;
		CREATE SCHEMA hooks;
		CREATE SCHEMA booking;
		CREATE EXTENSION booking_events SCHEMA hooks;
		CREATE TABLE booking.booking_events (id bigserial PRIMARY KEY, booking_id uuid,
		                                     event_type text, description text);
		CREATE TRIGGER booking_events_webhook_trigger
		    AFTER INSERT ON booking.booking_events FOR EACH ROW
		    EXECUTE FUNCTION hooks.trigger_booking_event_webhook();
	});
	return;
}

# Inserts $n events, each of its own booking; returns their event ids.
sub insert_events
{
	my ($n, $type) = @_;
	$node->safe_psql('app', qq{
		INSERT INTO booking.booking_events (booking_id, event_type)
		SELECT gen_random_uuid(), '$type' FROM generate_series(1, $n)});
	my $ids = [ split /\n/, $node->safe_psql('app', qq{
		SELECT event_id FROM hooks.webhook_outbox WHERE event_type = '$type' ORDER BY id}) ];
	is(scalar @$ids, $n, "$n events of type $type written");
	return $ids;
}

sub health
{
	return decode_json($node->safe_psql('app', 'SELECT hooks.webhook_health()::text'));
}

sub set_paused
{
	my ($on) = @_;
	my $offset = -s $node->logfile;
	$node->safe_psql('postgres', "ALTER SYSTEM SET booking_events.paused = " . ($on ? 'on' : 'off'));
	$node->reload;
	$node->wait_for_log(qr/booking_events\.paused is on/, $offset) if $on;
	$node->wait_for_log(qr/booking_events worker delivering to/, $offset) unless $on;
	return;
}

# The worker has run two loop passes that started after now: any claim
# woken by what came before has been made and its requests sent.
sub wait_for_two_worker_passes
{
	for (1 .. 2)
	{
		my $since = $node->safe_psql('app', 'SELECT clock_timestamp()');
		$node->safe_psql('app', 'SELECT hooks.booking_events_wake_worker()');
		$node->poll_query_until('app',
			"SELECT (hooks.webhook_health()->>'worker_last_loop_at')::timestamptz > '$since'")
		  or die 'the worker did not loop';
	}
	return;
}

# How many of these events reached the receiver (each counted once).
sub received
{
	my ($ids) = @_;
	my %wanted = map { $_ => 1 } @$ids;
	my %seen = map { $_->{headers}{'webhook-id'} // '' => 1 } @{ $recv->requests };
	return scalar grep { $seen{$_} } keys %wanted;
}

create_app();
wait_for_worker($node);

# --- Pause mid-drain ---------------------------------------------------------------
# 30 events, two at a time, 400 ms each: the pause lands mid-drain.
$recv->config({ delay_ms => 400 });
my $first = insert_events(30, 'drain.first');
$recv->wait_for_count(2);
set_paused(1);
my $at_pause = $recv->count;
my $late = insert_events(1, 'drain.late');
wait_for_two_worker_passes();
cmp_ok($recv->count, '<=', $at_pause + 2,
	'after the pause, only the requests already in flight (max_concurrency) arrive');
is(received($late), 0, 'an event written while paused is not sent');
my $health = health();
is($health->{status}, 'paused', 'webhook_health: status paused');
ok((grep { /booking_events\.paused is on/ } @{ $health->{reasons} }), 'with the reason');
ok($health->{webhook_configured}, 'the URL stays configured');
cmp_ok($health->{pending}, '>', 0, 'events wait');
like($node->safe_psql('app', q{SELECT array_to_string(warnings, ' / ') FROM hooks.validate_webhook_config()}),
	qr/paused is on/, 'validate_webhook_config says it is paused');

set_paused(0);
$node->poll_query_until('app', "SELECT count(*) = 0 FROM hooks.webhook_outbox WHERE status <> 'delivered'")
  or die 'not everything delivered after resuming';
is(received([ @$first, @$late ]), 31, 'after resuming, every event is delivered');
$recv->config({});
is(health()->{status}, 'ok', 'webhook_health: ok again');

# --- database_name waits for a restart ------------------------------------------
$node->safe_psql('postgres', "ALTER SYSTEM SET booking_events.database_name = 'elsewhere'");
$node->reload;
$node->poll_query_until('app',
	q{SELECT array_to_string(warnings, ' / ') ~ 'next server restart' FROM hooks.validate_webhook_config()})
  or die 'no pending-restart warning';
pass('validate_webhook_config: a database_name change waits for a restart');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET booking_events.database_name');
$node->reload;

# --- dropdb while the worker is connected ----------------------------------------
set_paused(1);
my $dumped = insert_events(3, 'dumped.pending');
my $dump = $node->basedir . '/app.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('app'), '-f', $dump ], 'pg_dump');
my $worker = wait_for_worker($node);
ok($worker, 'the worker is connected to app');
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'DROP DATABASE app');
is($ret, 0, 'DROP DATABASE succeeds while the worker is connected (no --force)')
  or diag($stderr);
like($stderr, qr/stopping the booking_events worker/, 'with a notice');

# --- A restored copy sends nothing until adopted ------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('app'), $dump ], 'pg_restore');
my $offset = -s $node->logfile;
wait_for_worker($node);
set_paused(0);
ok($node->wait_for_log(qr/3 pending events were written in another database/, $offset),
	'the worker logs why it holds the copied events');
wait_for_two_worker_passes();
is(received($dumped), 0, 'nothing from the restored copy reached the receiver');
$health = health();
is($health->{status}, 'paused', 'webhook_health: paused');
is($health->{copied_pending}, 3, 'three copied events');
ok((grep { /another database/ } @{ $health->{reasons} }), 'the reason names the copy');
my $fresh = insert_events(1, 'written.in.copy');
wait_for_two_worker_passes();
is(received($fresh), 0, 'nor does an event written in the copy go out before the decision');

is($node->safe_psql('app', 'SELECT hooks.booking_events_adopt(true)'), 3, 'adopt: three events');
$node->poll_query_until('app', "SELECT count(*) = 0 FROM hooks.webhook_outbox WHERE status <> 'delivered'")
  or die 'adopted events not delivered';
is(received([ @$dumped, @$fresh ]), 4, 'adopted events are delivered');
ok($node->wait_for_log(qr/no copied events left; delivering/, $offset), 'and the log says so');

$recv->stop;
done_testing();
