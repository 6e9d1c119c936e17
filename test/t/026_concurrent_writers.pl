# Concurrent writers while the worker drains: 8 pgbench clients insert
# booking events and change booking statuses on shared bookings; some
# transactions roll back, some roll back a savepoint. Every committed event
# is delivered, and the receiver never sees an event that was rolled back.
# Two-phase commit: a prepared transaction's event goes out only after
# COMMIT PREPARED (promptly, even when nothing else commits), never after
# ROLLBACK PREPARED, and a prepared transaction survives a restart.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MIME::Base64 ();
use Time::HiRes ();
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('writers',
	receiver => { quiet => 1 },
	backoff_base_ms => 100,
	backoff_max_ms => 1000,
	extra_conf => "max_prepared_transactions = 5\nlog_statement = none\n");
$recv->config({ random_delay_ms => [ 0, 5 ] });

my $bookings = 40;
$node->safe_psql('postgres', <<"SQL");
INSERT INTO bookings (id, booking_number, status, total_price)
SELECT md5('bench' || g)::uuid, 'BK-BENCH-' || g, 'new', 10 * g
FROM generate_series(1, $bookings) g;
SQL

my $script = PostgreSQL::Test::Utils::tempdir() . '/writers.sql';
open(my $fh, '>', $script) or die "$script: $!";
print $fh <<"PGBENCH";
\\set b random(1, $bookings)
\\set r random(1, 10)
BEGIN;
\\if :r <= 3
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES (md5('bench' || :b)::uuid, 'bench.rolled_back', 'rolled-back transaction');
UPDATE bookings SET status = 'rolled-back-' || :client_id WHERE id = md5('bench' || :b)::uuid;
ROLLBACK;
\\else
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES (md5('bench' || :b)::uuid, 'bench.event', 'committed by client ' || :client_id);
SAVEPOINT s;
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES (md5('bench' || :b)::uuid, 'bench.rolled_back', 'rolled-back savepoint');
ROLLBACK TO SAVEPOINT s;
UPDATE bookings SET status = 'status-' || :r WHERE id = md5('bench' || :b)::uuid;
COMMIT;
\\endif
PGBENCH
close $fh;

my $started = Time::HiRes::time();
$node->command_ok(
	[ 'pgbench', '-n', '-c', '8', '-j', '2', '-t', '300', '-f', $script, 'postgres' ],
	'8 pgbench clients, 300 transactions each, about 30% rolled back');
note(sprintf('pgbench took %.1f s', Time::HiRes::time() - $started));

my ($committed_rows, $rolled_back_rows) = split /\|/, $node->safe_psql('postgres',
	"SELECT count(*) FILTER (WHERE event_type = 'bench.event') || '|' "
	  . "|| count(*) FILTER (WHERE event_type = 'bench.rolled_back') FROM booking_events");
cmp_ok($committed_rows, '>', 1000, "$committed_rows committed booking_events rows");
is($rolled_back_rows, 0, 'no rolled back booking_events row');
is( $node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE event_type = 'bench.event') || '|' "
		  . "|| count(*) FILTER (WHERE event_type = 'bench.rolled_back' "
		  . "   OR payload->'booking_event'->>'new_status' LIKE 'rolled-back%') "
		  . "FROM webhook_outbox"),
	"$committed_rows|0", 'outbox: one event per committed row, none of the rolled back work');

wait_for_drain($node, 'everything the writers committed is delivered');
note(sprintf('drained %.1f s after pgbench started', Time::HiRes::time() - $started));
my $report = check_nothing_lost($node, [$recv], 'concurrent writers', check_payload => 1);
my $leaked = grep {
	MIME::Base64::decode_base64($_->{body_b64}) =~ /rolled-back|bench\.rolled_back/
} @{ $report->{requests} };
is($leaked, 0, 'no request carries rolled back content');
cmp_ok(scalar @{ $report->{committed} }, '>', $committed_rows,
	'status changes were delivered too');

# Informational: concurrent transactions may commit events of one booking
# in another order than their outbox ids (ids are taken at INSERT time).
{
	my %booking_of = map { split /\|/ } split /\n/,
	  $node->safe_psql('postgres', 'SELECT event_id, booking_id FROM webhook_outbox');
	my %outbox_id = map { split /\|/ } split /\n/,
	  $node->safe_psql('postgres', 'SELECT event_id, id FROM webhook_outbox');
	my (%seen, %last, $inversions);
	for my $r (@{ $report->{requests} })
	{
		next if $seen{ $r->{id} }++;
		my $b = $booking_of{ $r->{id} } // next;
		$inversions++ if defined $last{$b} && $outbox_id{ $r->{id} } < $last{$b};
		$last{$b} = $outbox_id{ $r->{id} } if !defined $last{$b} || $outbox_id{ $r->{id} } > $last{$b};
	}
	note('events that arrived after a later outbox id of their booking: ' . ($inversions // 0));
}

# --- two-phase commit -------------------------------------------------------------------
sub delivered_within
{
	my ($event_id, $seconds) = @_;
	return poll_within($node, $seconds,
		"SELECT status = 'delivered' FROM webhook_outbox WHERE event_id = '$event_id'");
}

$recv->reset;
my $b = create_booking($node);

# SQL that writes one event of booking $b in a transaction prepared as
# tx_$name (event type twophase.$name).
sub prepared_insert
{
	my ($name, $description) = @_;
	return <<"SQL";
BEGIN;
INSERT INTO booking_events (booking_id, event_type, description)
    VALUES ('$b->{id}', 'twophase.$name', '$description');
PREPARE TRANSACTION 'tx_$name';
SQL
}

# With the default booking_events.notify = on. PostgreSQL refuses to PREPARE
# a transaction that executed NOTIFY, and the contract says notifications
# never make the user's transaction fail.
my ($ret, $out, $err) =
  $node->psql('postgres', prepared_insert('notify', 'prepared with notify = on'));
is($ret, 0, 'PREPARE TRANSACTION of a transaction that queued an event succeeds (notify = on)')
  or diag("psql: $err");
$node->safe_psql('postgres', "COMMIT PREPARED 'tx_notify'") if $ret == 0;
my $notify_event = $node->safe_psql('postgres',
	"SELECT event_id FROM webhook_outbox WHERE event_type = 'twophase.notify'");
ok(delivered_within($notify_event, 10), 'and its event is delivered after COMMIT PREPARED');
$recv->reset;

# The rest with notifications off, to test the delivery side of 2PC.
$node->safe_psql('postgres',
	"SET booking_events.notify = off;\n"
	  . prepared_insert('rolled_back', 'prepared, then rolled back')
	  . prepared_insert('committed', 'prepared, then committed'));
is($recv->wait_for_count(1, 1), 0, 'nothing is sent for prepared transactions');
$node->safe_psql('postgres', "ROLLBACK PREPARED 'tx_rolled_back'");
$node->safe_psql('postgres', "COMMIT PREPARED 'tx_committed'");
my $committed = $node->safe_psql('postgres',
	"SELECT event_id FROM webhook_outbox WHERE event_type = 'twophase.committed'");
ok(delivered_within($committed, 10),
	'COMMIT PREPARED: the event is delivered promptly with no other commit')
  or diag(explain(outbox_row($node, $committed)));

# A prepared transaction survives a restart; its event goes out on COMMIT PREPARED.
$node->safe_psql('postgres',
	"SET booking_events.notify = off;\n" . prepared_insert('restart', 'prepared across a restart'));
$node->restart;
ok(wait_for_worker($node), 'worker back after the restart');
$node->safe_psql('postgres', "COMMIT PREPARED 'tx_restart'");
my $restarted = $node->safe_psql('postgres',
	"SELECT event_id FROM webhook_outbox WHERE event_type = 'twophase.restart'");
ok(delivered_within($restarted, 10), 'COMMIT PREPARED after a restart: delivered promptly')
  or diag(explain(outbox_row($node, $restarted)));

# Whatever happened above, a later commit wakes the worker: nothing is lost.
wait_for_status($node, insert_event($node, $b->{id}, 'twophase.after', 'a plain commit'),
	'delivered');
wait_for_drain($node, 'two-phase events drained');
# (twophase.notify was checked on its own, before the receiver was reset.)
check_nothing_lost($node, [$recv], 'two-phase commit',
	where => "event_type LIKE 'twophase.%' AND event_type <> 'twophase.notify'");
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE event_type = 'twophase.rolled_back'"),
	'0', 'ROLLBACK PREPARED left nothing in the outbox');

$node->stop;
$recv->stop;
done_testing();
