# booking-events-listen against a live server: it prints exactly the events
# matching its filters, each once, in commit order; forged notifications
# (any role may NOTIFY) print nothing and move nothing, a huge forged id
# included; after its connection is killed while events commit (one of them
# taking its id before events already printed), it reconnects, replays, and
# still prints each matching event exactly once; events from before it
# started are never printed; --since replays history; a role without
# EXECUTE on the replay function is told which grant is missing and the
# listener exits with status 1; it survives a server restart; a role with a
# row-level security policy on bookings follows only its own bookings, with
# the listener and with booking_events_replay(); across DROP EXTENSION
# CASCADE and CREATE EXTENSION it starts over and keeps printing; a state
# file lets it resume; --dsn does not show in ps; SIGTERM ends it with exit
# status 0 and the id to resume from.
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
CREATE ROLE forger LOGIN;
-- The replay returns a role the events of the bookings it can SELECT.
GRANT SELECT ON bookings TO listener, latecomer;
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

# start_listener($name, $role, [{ dsn => ' more=conninfo' },] @arguments)
sub start_listener
{
	my ($name, $role, @args) = @_;
	my $more_dsn = ref $args[0] eq 'HASH' ? (shift @args)->{dsn} : '';
	my %l = (
		name => $name,
		out => "$PostgreSQL::Test::Utils::tmp_check/$name.out",
		err => "$PostgreSQL::Test::Utils::tmp_check/$name.err");
	my @cmd = ('booking-events-listen', '--dsn',
		$node->connstr('postgres') . " user=$role$more_dsn", @args);
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

# --- forged notifications: nothing printed, nothing moved -------------------
# Any role can NOTIFY on any channel. A forgery shaped like a real event
# (on a subscribed channel, with the booking and user) and one naming a huge
# outbox id: neither is printed, and the events after them are.
my $forged_event = $JSON->encode(
	{
		id => 900000,
		event_id => '00000000-0000-4000-8000-000000000000',
		event_type => 'forged.event',
		booking_id => $b1,
		user_id => $u1,
		client_id => undef,
		provider_id => undef,
		description => 'forged',
		created_at => '2026-01-01T00:00:00.000Z'
	});
my $huge_id = '{"id":9223372036854775000,"event_type":"forged.huge"}';
$node->safe_psql(
	'postgres', qq{
	SELECT pg_notify('booking_events:booking:$b1', '$forged_event');
	SELECT pg_notify('booking_events:user:$u1', '$huge_id');
	SELECT pg_notify('booking_events:booking:$b1', 'not json at all');
	},
	extra_params => [ '-U', 'forger' ]);
event('forgery.followed', $b1, undef);
wait_for_printed($main, 'forgery.followed', 'a real event after the forgeries is printed');
is(scalar(grep { /^forged/ } @{ printed_types($main) }), 0, 'no forgery is printed');

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
		qw(a.booking b.user c.both g.early_commit f.late_live forgery.followed
		  i.before_kill h.late_while_down j.while_down m.after n.after_restart)
	],
	'every matching event exactly once, in commit order; none from before the start');

# --- --since, and the grant the replay needs ------------------------------------
my $refused = start_listener('refused', 'latecomer', '--since', '0', '--booking', $b1);
$refused->{handle}->finish;
$refused->{finished} = 1;
is(($refused->{handle}->full_results)[0] >> 8,
	1, 'without EXECUTE on booking_events_replay the listener exits with status 1');
like(
	slurp_or_empty($refused->{err}),
	qr/error: role latecomer has no EXECUTE on public\.booking_events_replay\(bigint, text\[\], text\[\], text\[\], text\[\], int\): .*booking_events_grant\('latecomer', 'listener'\)/,
	'and names the missing grant');
unlike(slurp_or_empty($refused->{err}), qr/retrying|reconnecting/, 'instead of retrying');
@listeners = grep { $_ != $refused } @listeners;
$node->safe_psql('postgres',
	'GRANT EXECUTE ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int) TO latecomer'
);
my $history = start_listener('history', 'latecomer', '--since', '0', '--booking', $b1);
wait_for_printed($history, 'n.after_restart', 'after the grant it replays from --since');
is_deeply(
	printed_types($history),
	[
		qw(before.start a.booking c.both f.late_live g.early_commit forgery.followed
		  i.before_kill j.while_down m.after n.after_restart)
	],
	'--since 0 replays every event of the booking, oldest id first');

# A replayed line is byte for byte the live line of the same event.
my %live_line = map { $JSON->decode($_)->{id} => $_ } split /\n/, slurp_file($main->{out});
my @compared = grep { exists $live_line{ $JSON->decode($_)->{id} } } split /\n/,
  slurp_file($history->{out});
is(scalar @compared, 9, 'nine events printed by both');
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

# --- a client role with a row-level security policy ---------------------------
# The README's example: each client logs in as its own role; a policy on
# bookings shows a role the bookings of its client. The role follows every
# event it may see, without a filter, and sees nothing of other bookings.
my $own = create_booking($node);
$node->safe_psql('postgres', <<"SQL");
CREATE TABLE client_logins (role_name name PRIMARY KEY, client_id uuid NOT NULL);
CREATE ROLE client_a LOGIN;
INSERT INTO client_logins VALUES ('client_a', '$own->{client_id}');
GRANT SELECT ON client_logins TO client_a;
GRANT SELECT ON bookings TO client_a;
GRANT EXECUTE ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int)
    TO client_a;
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_sees_own_bookings ON bookings FOR SELECT
    USING (client_id IN (SELECT l.client_id FROM client_logins l WHERE l.role_name = current_user));
CREATE POLICY staff_sees_every_booking ON bookings FOR SELECT TO listener, latecomer
    USING (true);
SQL
my $client = start_listener('client', 'client_a');
wait_for_stderr($client, qr/replayed \d+ events?/, 1, 'the client role caught up');
event('o.others', $b1, $u1);
event('p.own', $own->{id}, $u1);
event('q.others_again', $b2, undef);
event('r.own_again', $own->{id}, undef);
wait_for_printed($client, 'r.own_again', 'the client role follows its own booking');
is_deeply(printed_types($client), [qw(p.own r.own_again)],
	'and prints nothing of the other bookings');
wait_for_printed($main, 'o.others', 'a role that reads every booking saw the others');
my $replayed_for_client = $node->safe_psql(
	'postgres',
	"SELECT string_agg(notification->>'event_type', ' ' ORDER BY id) FROM booking_events_replay(0)",
	extra_params => [ '-U', 'client_a' ]);
is($replayed_for_client, 'p.own r.own_again',
	'booking_events_replay() returns the client role its own events only');

# --- a state file, and a password in --dsn ------------------------------------
my $state_file = "$PostgreSQL::Test::Utils::tmp_check/listener.state";
my $stateful = start_listener('stateful', 'listener', { dsn => ' password=secret-in-dsn' },
	'--booking', $b3, '--state-file', $state_file);
wait_for_stderr($stateful, qr/replayed \d+ events?/, 1, 'the stateful listener caught up');
my $cmdline = slurp_file('/proc/' . $stateful->{handle}{KIDS}[0]{PID} . '/cmdline');
unlike($cmdline, qr/secret-in-dsn|user=listener/, 'ps does not show the --dsn value');
like($cmdline, qr/--state-file/, 'the other arguments still show');
event('s.first', $b3, undef);
wait_for_printed($stateful, 's.first', 'the stateful listener prints');
my $first_id = printed($stateful)->[-1]{id};
my $extension_oid =
  $node->safe_psql('postgres', "SELECT oid FROM pg_extension WHERE extname = 'booking_events'");
wait_until(sub { -e $state_file && slurp_file($state_file) eq "$first_id $extension_oid\n" },
	'the state file holds the last id printed and the extension it belongs to');
$stateful->{handle}->signal('TERM');
$stateful->{handle}->finish;
$stateful->{finished} = 1;
like(slurp_or_empty($stateful->{err}), qr/resume with --since $first_id\n\z/,
	'SIGTERM prints the id to resume from');
event('t.while_stopped', $b3, undef);
my $resumed = start_listener('resumed', 'listener', '--booking', $b3, '--state-file',
	$state_file);
wait_for_printed($resumed, 't.while_stopped', 'a restart resumes from the state file');
like(slurp_or_empty($resumed->{err}), qr/resuming after outbox id $first_id from /,
	'and says so');
is_deeply(printed_types($resumed), ['t.while_stopped'],
	'printing only what was not printed before');

# --- DROP EXTENSION CASCADE and CREATE EXTENSION --------------------------------
# The outbox is created again and its ids start again from 1: a listener
# that kept its position would skip every new event until the ids passed it.
my $before_drop = $node->safe_psql('postgres', 'SELECT max(id) FROM webhook_outbox');
my $stale_state = "$PostgreSQL::Test::Utils::tmp_check/stale.state";
wait_until(sub { -e $state_file && slurp_file($state_file) =~ /^\d+ $extension_oid\n\z/ },
	'the state file of the old extension is written');
PostgreSQL::Test::Utils::append_to_file($stale_state, slurp_file($state_file));
$node->safe_psql('postgres', 'DROP EXTENSION booking_events CASCADE');
$node->safe_psql('postgres', <<'SQL');
BEGIN;
CREATE EXTENSION booking_events;
GRANT EXECUTE ON FUNCTION booking_events_replay(bigint, text[], text[], text[], text[], int)
    TO listener, latecomer, client_a;
CREATE TRIGGER booking_events_webhook_trigger
    AFTER INSERT ON booking_events FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();
COMMIT;
SQL
event('u.recreated', $b3, undef);
wait_for_printed($resumed, 'u.recreated', 'after DROP and CREATE EXTENSION new events print');
like(slurp_or_empty($resumed->{err}), qr/dropped and created again .*outbox id 0/,
	'the listener says it starts over');
ok($node->safe_psql('postgres', 'SELECT max(id) FROM webhook_outbox') < $before_drop,
	'the new event has an id below those printed before');
# Restarted with the state file of the old outbox, a listener starts over too.
my $stale = start_listener('stale', 'listener', '--booking', $b3, '--state-file', $stale_state);
wait_for_printed($stale, 'u.recreated',
	'a state file of the dropped extension does not hide the new events');
like(slurp_or_empty($stale->{err}), qr/dropped and created again/, 'and the listener says why');
event('v.recreated_own', $own->{id}, undef);
wait_for_printed($client, 'v.recreated_own', 'the client role follows the new outbox too');
is_deeply(printed_types($client), [qw(p.own r.own_again v.recreated_own)],
	'still only its own events');

# --- SIGTERM: a clean exit ------------------------------------------------------
for my $l (grep { !$_->{finished} } @listeners)
{
	$l->{handle}->signal('TERM');
	$l->{handle}->finish;
	$l->{finished} = 1;
	is(($l->{handle}->full_results)[0], 0, "$l->{name}: SIGTERM exits with status 0");
	like(
		slurp_or_empty($l->{err}),
		qr/stopped by SIGTERM; resume with --since \d+\n\z/,
		"$l->{name}: says why it stopped and where to resume");
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
