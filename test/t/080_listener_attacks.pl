# booking-events-listen under attack (sec10). In a SQL_ASCII database (no
# declared encoding) text need not be UTF-8, and the listener asked the
# server for UTF8:
#  - one event whose description holds a byte that is not UTF-8 (written by
#    the application role, as a SQL_ASCII database lets it) failed every
#    replay with "invalid byte sequence for encoding UTF8": every listener
#    printed nothing from then on, reconnecting for ever;
#  - a NOTIFY with such a byte, which any role may send on any channel,
#    ended every listener's connection (FATAL), each time.
# The listener now takes a SQL_ASCII database's bytes as they are and
# replaces what is not UTF-8 with U+FFFD: each event is printed once, the
# connection stays.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use IPC::Run;
use JSON::PP;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $JSON = JSON::PP->new->utf8->canonical;

# No webhook_url: the outbox and the notifications are all this test reads.
my $node = new_node('listener_attacks');
$node->safe_psql('postgres',
	"CREATE DATABASE ascii_app ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
);
$node->safe_psql('ascii_app', <<'SQL');
CREATE EXTENSION booking_events;
CREATE TABLE booking_events (id bigserial PRIMARY KEY, booking_id text, event_type text,
                             description text);
CREATE TRIGGER booking_events_webhook AFTER INSERT ON booking_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();
CREATE ROLE forger LOGIN;  -- CONNECT and TEMP, from PUBLIC: nothing else
SQL

sub event
{
	my ($type, $description) = @_;
	$node->safe_psql('ascii_app',
		"INSERT INTO booking_events (booking_id, event_type, description) VALUES ('b-1', '$type', $description)"
	);
}

my $out = "$PostgreSQL::Test::Utils::tmp_check/listener.out";
my $err = "$PostgreSQL::Test::Utils::tmp_check/listener.err";
my $listener = IPC::Run::start(
	[ 'booking-events-listen', '--dsn', $node->connstr('ascii_app'), '--since', '0' ],
	'<', \undef, '>', $out, '2>', $err);
END
{
	local $?;
	eval { $listener->kill_kill(grace => 2) };
}

sub slurp_or_empty { return -e $_[0] ? slurp_file($_[0]) : '' }

sub printed
{
	return [ map { $JSON->decode($_) } split /\n/, slurp_or_empty($out) ];
}

sub printed_event
{
	my ($type) = @_;
	my @found = grep { $_->{event_type} eq $type } @{ printed() };
	return $found[0];
}

sub wait_for_printed
{
	my ($type, $name) = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (time < $deadline)
	{
		return ok(1, $name) if printed_event($type);
		usleep(50_000);
	}
	diag(slurp_or_empty($err));
	return ok(0, $name);
}

event('first', "'plain'");
wait_for_printed('first', 'the listener follows the SQL_ASCII database');

# --- a forged NOTIFY with a byte that is not UTF-8 ---------------------------
$node->safe_psql('ascii_app', "NOTIFY booking_events, E'{\"id\": 1} caf\\xe9'",
	extra_params => [ '-U', 'forger' ]);
event('after.forged.notify', "'plain'");
wait_for_printed('after.forged.notify', 'events after the forged NOTIFY are printed');
unlike(slurp_or_empty($err), qr/invalid byte sequence|connection lost/,
	'the forged NOTIFY did not end the connection');

# --- an event holding bytes that are not UTF-8 --------------------------------
event('not.utf8', "E'caf\\xe9 \\xff'");
event('after.not.utf8', "'plain'");
wait_for_printed('after.not.utf8', 'the events after it are printed');
my $bad = printed_event('not.utf8');
is($bad && $bad->{description}, "caf\x{FFFD} \x{FFFD}",
	'the event itself is printed, each bad byte as U+FFFD');
my @ids = map { $_->{id} } @{ printed() };
my %seen;
is(scalar(grep { $seen{$_}++ } @ids), 0, 'no event is printed twice');
unlike(slurp_or_empty($err), qr/failed|reconnecting/, 'no replay failed');

done_testing();
