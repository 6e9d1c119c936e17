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
# And a forged notification naming an outbox id the listener already
# printed, or one below its lookback window, made it replay the whole
# window (10,000 outbox rows by default) each time: any role could keep
# every listener busy with one cheap NOTIFY after another. Such a hint is
# ignored now; one naming an id not printed yet still looks back to it.
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
	[
		'booking-events-listen', '--dsn', $node->connstr('ascii_app'),
		'--since', '0', '--lookback', '2'
	],
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

# --- forged hints ----------------------------------------------------------
# Every statement is logged from here on, with its parameters: the replays
# the listener runs, and after which outbox id each starts.
my $newest = $node->safe_psql('ascii_app', 'SELECT max(id) FROM webhook_outbox');
$node->append_conf('postgresql.conf', "log_statement = 'all'");
$node->reload;
my $log_start = -s $node->logfile;
# Reloaded by the time a new session logs its statement.
$node->poll_query_until('ascii_app', "SELECT current_setting('log_statement') = 'all'");
my $below_window = $newest - 3;    # the window is --lookback 2 ids
my $printed_id = $newest - 1;
$node->safe_psql('ascii_app',
	"NOTIFY booking_events, '{\"id\": $below_window}'; NOTIFY booking_events, '{\"id\": 1}'",
	extra_params => [ '-U', 'forger' ]);
$node->safe_psql('ascii_app', "NOTIFY booking_events, '{\"id\": $printed_id}'",
	extra_params => [ '-U', 'forger' ]);
event('after.forged.hints', "'plain'");
wait_for_printed('after.forged.hints', 'events after the forged hints are printed');
my $log = substr(slurp_file($node->logfile), $log_start);
# Each replay's parameters are on the next line of the same process.
my (@starts, %replaying);
for my $line (split /\n/, $log)
{
	my ($pid) = $line =~ /\[(\d+)\]/ or next;
	if ($line =~ /execute .*booking_events_replay\(\$1/) { $replaying{$pid} = 1; next; }
	push @starts, $1 if delete $replaying{$pid} && $line =~ /DETAIL:  parameters: \$1 = '(\d+)'/;
}
ok(scalar @starts >= 1, 'the replays are in the log') or diag($log);
is(scalar(grep { $_ < $newest } @starts), 0,
	"no replay looked back below outbox id $newest for a forged hint")
  or diag("replays after: @starts");

# A hint naming an id not printed yet still looks back: a transaction that
# took its id before an event already printed, and committed after it.
my $late = $node->background_psql('ascii_app');
$late->query_safe('BEGIN');
$late->query_safe(
	"INSERT INTO booking_events (booking_id, event_type) VALUES ('b-1', 'late.commit')");
event('early.commit', "'plain'");
wait_for_printed('early.commit', 'the event committed first is printed');
$late->query_safe('COMMIT');
$late->quit;
wait_for_printed('late.commit', 'the event that committed late is printed when it commits');

done_testing();
