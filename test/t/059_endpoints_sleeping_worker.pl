# Endpoints (#11): the worker wakes up again after a spell with nowhere to
# send. Found by bench/endpoints.sh, whose drains never started; each case
# on its own server, so that one hang does not hide the other:
# A. started with webhook_url empty and no extension yet; the extension is
#    created, the URL set by a reload, events queued: they are delivered.
# B. every endpoint (`default` included) paused, events queued, all resumed
#    in one statement: the backlog drains.
# C. booking_events.paused on, events queued, paused off: they are delivered.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();

# Bounded: on a loaded machine each poll is slow, and a worker that never
# wakes would hold the suite for a quarter of an hour per wait.
sub drained
{
	my ($node, $name) = @_;
	ok(poll_within($node, 120, "SELECT count(*) = 0 FROM webhook_outbox WHERE status = 'pending'"), $name)
	  or diag($node->safe_psql('postgres', 'SELECT webhook_health()'));
	return;
}

sub set_and_reload
{
	my ($node, $name, $value) = @_;
	$node->safe_psql('postgres', "ALTER SYSTEM SET booking_events.$name = " . pg_quote($value));
	$node->reload;
	return;
}

# --- A ---------------------------------------------------------------------------
my $a = new_node('ep_sleep_a', backoff_base_ms => 100);
create_app_schema($a);
set_and_reload($a, webhook_url => $recv->url('/a'));
insert_many($a, 10, bookings => 5, tag => 'a', event_type => 'booking.a');
drained($a, 'A: URL set after the extension was created: the events are delivered');
$a->stop;

# --- B ---------------------------------------------------------------------------
my $b = new_node('ep_sleep_b', backoff_base_ms => 100, webhook_url => $recv->url('/b'));
create_app_schema($b);
endpoint_set($b, 'crm', $recv->url('/crm'));
$b->safe_psql('postgres', 'SELECT count(webhook_endpoint_pause(name)) FROM webhook_endpoints');
insert_many($b, 10, bookings => 5, tag => 'b', event_type => 'booking.b');
$b->safe_psql('postgres', 'SELECT count(webhook_endpoint_resume(name)) FROM webhook_endpoints');
drained($b, 'B: every endpoint paused, then resumed: the backlog drains');
$b->stop;

# --- C ---------------------------------------------------------------------------
my $c = new_node('ep_sleep_c', backoff_base_ms => 100, webhook_url => $recv->url('/c'));
create_app_schema($c);
set_and_reload($c, paused => 'on');
insert_many($c, 10, bookings => 5, tag => 'c', event_type => 'booking.c');
set_and_reload($c, paused => 'off');
drained($c, 'C: booking_events.paused off again: the events are delivered');
$c->stop;

$recv->stop;
done_testing();
