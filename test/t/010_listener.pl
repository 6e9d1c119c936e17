# booking-events-listen against a live server: it prints exactly the events
# matching its filters, each once, in commit order; after its connection is
# killed while events commit (one of them taking its id before events
# already printed), it reconnects, replays, and still prints each matching
# event exactly once; events from before it started are never printed;
# --since replays history, with lines identical to the live ones; a role
# without EXECUTE on the replay function is retried until granted; it
# survives a server restart; SIGTERM ends it with exit status 0.
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

# No webhook_url: delivery is paused, the outbox and the notifications are
# all this test looks at.
my $node = new_node('listener');
create_app_schema($node);
$node->safe_psql('postgres', <<'SQL');
CREATE ROLE listener LOGIN;
GRANT EXECUTE ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int)
    TO listener;
CREATE ROLE latecomer LOGIN;
SQL

my $b1 = create_booking($node)->{id};
my $b2 = create_booking($node)->{id};
my $b3 = create_booking($node)->{id};
my ($u1, $u2) = split /\|/,
  $node->safe_psql('postgres', 'SELECT gen_random_uuid(), gen_random_uuid()');

# Inserts an event whose event_type is its name; returns its event_id.
sub event
{
	my ($name, $booking, $user) = @_;
	return insert_event($node, $booking, $name, "event $name", user_id => $user);
}

# --- running the listener ---------------------------------------------------
my @listeners;

# A test that dies half-way must not leave listeners retrying forever.
END
{
	local $?;
	for my $l (@listeners)
	{
		eval { $l->{handle}->kill_kill(grace => 2) unless $l->{finished} };
	}
}

sub start_listener
{
	my ($name, $role, @args) = @_;
	my %l = (
		name => $name,
		out => "$PostgreSQL::Test::Utils::tmp_check/$name.out",
		err => "$PostgreSQL::Test::Utils::tmp_check/$name.err");
	my @cmd = ('booking-events-listen', '--dsn',
		$node->connstr('postgres') . " user=$role", @args);
	$l{handle} = IPC::Run::start(\@cmd, '<', \undef, '>', $l{out}, '2>', $l{err});
	push @listeners, \%l;
	return \%l;
}

sub slurp_or_empty
{
	my ($file) = @_;
	return -e $file ? slurp_file($file) : '';
}

# Polls until `$check->()` is true; one ok().
sub wait_until
{
	my ($check, $name) = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (time < $deadline)
	{
		return ok(1, $name) if $check->();
		usleep(50_000);
	}
	return ok(0, $name);
}

sub status_count
{
	my ($l, $pattern) = @_;
	my @found = slurp_or_empty($l->{err}) =~ /$pattern/g;
	return scalar @found;
}

sub wait_for_stderr
{
	my ($l, $pattern, $count, $name) = @_;
	wait_until(sub { status_count($l, $pattern) >= $count }, $name)
	  or diag(slurp_or_empty($l->{err}));
}

# The printed lines, decoded.
sub printed
{
	my ($l) = @_;
	return [ map { $JSON->decode($_) } split /\n/, slurp_or_empty($l->{out}) ];
}

sub printed_types
{
	my ($l) = @_;
	return [ map { $_->{event_type} } @{ printed($l) } ];
}

sub wait_for_printed
{
	my ($l, $type, $name) = @_;
	wait_until(sub { grep { $_ eq $type } @{ printed_types($l) } }, $name)
	  or diag(slurp_or_empty($l->{err}));
}

sub listener_backends
{
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM booking_events_listeners WHERE usename = 'listener'");
}

sub kill_listener_backends
{
	$node->safe_psql('postgres',
		"SELECT pg_terminate_backend(pid) FROM booking_events_listeners WHERE usename = 'listener'"
	);
}

# --- before the start: never printed -------------------------------------
event('before.start', $b1, $u1);

my $main = start_listener('main', 'listener', '--booking', $b1, '--user', $u1);
wait_for_stderr($main, qr/replayed \d+ events?/, 1, 'listener caught up');
like(slurp_or_empty($main->{err}), qr/listening on 2 channels/, 'one channel per filter');
is(listener_backends(), 1, 'booking_events_listeners shows the listener');

# --- live: exactly the matching events, once -------------------------------
event('a.booking', $b1, undef);
event('b.user', $b2, $u1);
event('c.both', $b1, $u1);    # two channels, printed once
event('d.other', $b2, $u2);
event('e.other', $b3, undef);
wait_for_printed($main, 'c.both', 'live events printed');

# A transaction that took its id before another event and commits after it:
# printed when it commits, so in commit order.
my $late = $node->background_psql('postgres');
$late->query_safe('BEGIN');
$late->query_safe(
	"INSERT INTO booking_events (booking_id, event_type) VALUES ('$b1', 'f.late_live')");
event('g.early_commit', $b1, undef);
$late->query_safe('COMMIT');
wait_for_printed($main, 'f.late_live', 'late commit printed live');

# --- disconnected while events commit ----------------------------------------
$late->query_safe('BEGIN');
$late->query_safe(
	"INSERT INTO booking_events (booking_id, event_type, user_id) VALUES ('$b2', 'h.late_while_down', '$u1')"
);
event('i.before_kill', $b1, undef);
wait_for_printed($main, 'i.before_kill', 'printed before the connection is killed');

# The listener cannot log in again until LOGIN is given back, so the next
# events surely commit while it is away.
$node->safe_psql('postgres', 'ALTER ROLE listener NOLOGIN');
my $failures = status_count($main, qr/cannot connect/);
kill_listener_backends();
wait_for_stderr($main, qr/cannot connect/, $failures + 1, 'listener lost its connection');
like(slurp_or_empty($main->{err}), qr/connection lost: .*; reconnecting in [0-9.]+ s/,
	'the loss is reported with the delay');
$late->query_safe('COMMIT');    # took its id before i.before_kill
event('j.while_down', $b1, undef);
event('k.other', $b3, $u2);
$node->safe_psql('postgres', 'ALTER ROLE listener LOGIN');
wait_for_printed($main, 'j.while_down', 'missed events replayed after the reconnect');

# Killed again with nothing missed: the replay prints nothing twice.
my $catch_ups = status_count($main, qr/replayed \d+ events?/);
kill_listener_backends();
wait_for_stderr($main, qr/replayed \d+ events?/, $catch_ups + 1, 'reconnected again');
my @replayed = slurp_or_empty($main->{err}) =~ /replayed (\d+) events?/g;
is_deeply([ @replayed[ -2, -1 ] ], [ 2, 0 ],
	'the first reconnect replayed the two missed events, the second nothing');
event('m.after', $b1, $u2);
wait_for_printed($main, 'm.after', 'live again after the reconnects');
$late->quit;

# A server restart: the listener retries until the server is back; an event
# committed right after the start is printed, live or by the replay.
$node->restart;
event('n.after_restart', $b1, undef);
wait_for_printed($main, 'n.after_restart', 'printed after a server restart');

is_deeply(
	printed_types($main),
	[
		qw(a.booking b.user c.both g.early_commit f.late_live i.before_kill
		  h.late_while_down j.while_down m.after n.after_restart)
	],
	'every matching event exactly once, in commit order; none from before the start');

# --- --since, and the grant the replay needs ------------------------------------
my $history = start_listener('history', 'latecomer', '--since', '0', '--booking', $b1);
wait_for_stderr($history,
	qr/booking_events_replay\(\) failed: .*permission denied.*; reconnecting in/,
	1, 'without EXECUTE on booking_events_replay the listener says so and retries');
$node->safe_psql('postgres',
	'GRANT EXECUTE ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int) TO latecomer'
);
wait_for_printed($history, 'n.after_restart', 'after the grant it replays from --since');
is_deeply(
	printed_types($history),
	[
		qw(before.start a.booking c.both f.late_live g.early_commit i.before_kill
		  j.while_down m.after n.after_restart)
	],
	'--since 0 replays every event of the booking, oldest id first');

# A replayed line is byte for byte the live line of the same event.
my %live_line = map { $JSON->decode($_)->{id} => $_ } split /\n/, slurp_file($main->{out});
my @compared = grep { exists $live_line{ $JSON->decode($_)->{id} } } split /\n/,
  slurp_file($history->{out});
is(scalar @compared, 8, 'eight events printed by both');
is_deeply([ map { $live_line{ $JSON->decode($_)->{id} } } @compared ],
	\@compared, 'replayed and live lines are identical');
my $line = printed($main)->[0];
is_deeply(
	[ sort keys %$line ],
	[
		qw(booking_id client_id created_at description event_id event_type id provider_id user_id)
	],
	'every field of the notification is printed');
is($line->{description}, 'event a.booking', 'description');
is($line->{event_id},
	$node->safe_psql('postgres', "SELECT event_id FROM webhook_outbox WHERE id = $line->{id}"),
	'id is the outbox id and event_id its event');

# --- SIGTERM: a clean exit ------------------------------------------------------
for my $l (@listeners)
{
	$l->{handle}->signal('TERM');
	$l->{handle}->finish;
	$l->{finished} = 1;
	is(($l->{handle}->full_results)[0], 0, "$l->{name}: SIGTERM exits with status 0");
	like(slurp_or_empty($l->{err}), qr/stopped by SIGTERM\n\z/, "$l->{name}: says why it stopped");
}

# --- bad arguments ---------------------------------------------------------------
my ($stdout, $stderr);
IPC::Run::run([ 'booking-events-listen', '--since', 'yesterday' ], '>', \$stdout, '2>', \$stderr);
is($? >> 8, 2, 'bad arguments exit with status 2');
like($stderr, qr/--since needs an outbox id/, 'and say what is wrong');
IPC::Run::run([ 'booking-events-listen', '--help' ], '>', \$stdout, '2>', \$stderr);
like($stdout, qr/--lookback N/, '--help documents the options');

$node->stop;
done_testing();
