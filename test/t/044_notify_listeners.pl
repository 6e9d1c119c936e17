# Real-time notifications are sent only when a session may receive them
# (src/pg/listen_fence.hpp). With nobody listening a writer skips NOTIFY (a
# DEBUG1 line says so); a session that LISTENs receives every event
# committed after its LISTEN, its own events written in the LISTEN's
# transaction included; UNLISTEN does not stop the notifications while the
# session lives; once every listening session has ended, writers skip again;
# a LISTEN not yet committed does not count (PostgreSQL would not deliver to
# it either); without shared_preload_libraries nothing is ever skipped.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $SKIPPED = qr/notifications not sent: no session listens/;

my $node = new_node('notify_listeners');
create_app_schema($node);
my $booking = create_booking($node)->{id};

# Inserts one event as a new session with DEBUG1 messages on; returns what
# that session printed on stderr.
sub write_event
{
	my ($on, $name) = @_;
	my ($status, $out, $err) = $on->psql('postgres',
		"SET client_min_messages = debug1;\n"
		  . "INSERT INTO booking_events (booking_id, event_type, description) "
		  . "VALUES ('$booking', '$name', 'event $name')");
	die "$name: the insert failed: $err" if $status != 0;
	return $err;
}

# Backends end a little after their client has gone: writers skip again
# once they have.
sub wait_until_skipped
{
	my ($name) = @_;
	for my $try (1 .. 600)
	{
		return pass("$name: writers skip NOTIFY again")
		  if write_event($node, "$name.$try") =~ $SKIPPED;
		usleep(100_000);
	}
	return fail("$name: writers skip NOTIFY again");
}

# Reads from a background psql until its output holds `pattern`.
sub wait_for_output
{
	my ($session, $pattern, $name) = @_;
	my $seen = '';
	for (1 .. 600)
	{
		$seen .= $session->query_safe('SELECT 1');
		return pass($name) if $seen =~ $pattern;
		usleep(100_000);
	}
	diag($seen);
	return fail($name);
}

like(write_event($node, 'nobody.listens'), $SKIPPED, 'nobody listens: NOTIFY is skipped');

# LISTEN and the event in one transaction: the session gets its own event.
my ($status, $out, $err) = $node->psql('postgres', <<"SQL");
SET client_min_messages = debug1;
BEGIN;
LISTEN booking_events;
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES ('$booking', 'own.event', 'own event');
COMMIT;
SQL
like($out . $err, qr/Asynchronous notification "booking_events" with payload .*own\.event/,
	'a transaction that LISTENs receives its own event');
unlike($err, $SKIPPED, '... and does not skip NOTIFY');
wait_until_skipped('after that session ended');

# A LISTEN still in an open transaction is not registered: skipping is right.
my $pending_listener = $node->background_psql('postgres');
$pending_listener->query_safe('BEGIN');
$pending_listener->query_safe('LISTEN booking_events');
like(write_event($node, 'listen.uncommitted'), $SKIPPED, 'an uncommitted LISTEN does not count');
$pending_listener->query_safe('COMMIT');
unlike(write_event($node, 'listen.committed'), $SKIPPED,
	'once that LISTEN has committed, writers notify');
wait_for_output($pending_listener, qr/listen\.committed/,
	'... and the listener receives the event');

# UNLISTEN keeps the session counted until it ends.
$pending_listener->query_safe('UNLISTEN *');
unlike(write_event($node, 'after.unlisten'), $SKIPPED, 'UNLISTEN: writers still notify');
$pending_listener->quit;
wait_until_skipped('after the listener quit');

# A listener on a booking's channel only.
my $listener = $node->background_psql('postgres');
$listener->query_safe(qq{LISTEN "booking_events:booking:$booking"});
unlike(write_event($node, 'booking.channel'), $SKIPPED, 'a booking listener: writers notify');
wait_for_output($listener, qr/booking\.channel/, '... and it receives the event');
$listener->quit;

# Without shared_preload_libraries other sessions' LISTENs are unseen: the
# notifications always go out.
my $plain = PostgreSQL::Test::Cluster->new('not_preloaded');
$plain->init;
$plain->start;
create_app_schema($plain);
$booking = create_booking($plain)->{id};
unlike(write_event($plain, 'not.preloaded'), $SKIPPED, 'not preloaded: NOTIFY is never skipped');
$plain->stop;

$node->stop;
done_testing();
