# The worker never wedges on deliveries whose event is gone. There is no
# foreign key from webhook_deliveries to the outbox (its check would cost the
# application's INSERT), so a DBA's plain `DELETE FROM webhook_outbox ...` or
# `TRUNCATE webhook_outbox` leaves pending deliveries with no event. They can
# never be sent; before the fix the claim's join dropped them silently, they
# stayed pending forever and blocked every later event of their bookings
# (per-booking order). Now the worker removes them as it meets them, logs the
# count, and delivers everything that remains, each event once.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;
use BookingEventsTest::Endpoints;
use BookingEventsTest::Faults;

my ($node, $recv) = endpoints_node('orphans', paused => 'on');

sub set_paused
{
	my ($on) = @_;
	my $offset = -s $node->logfile;
	$node->safe_psql('postgres',
		'ALTER SYSTEM SET booking_events.paused = ' . ($on ? 'on' : 'off'));
	$node->reload;
	$node->wait_for_log(qr/booking_events\.paused is on/, $offset) if $on;
	return;
}

# Every orphan pending delivery gone, every event left delivered, and each
# sent exactly once; none of the deleted ones sent.
sub check_round
{
	my ($label, $deleted) = @_;
	wait_for_drain($node, "$label: every remaining event is delivered");
	ok( $node->poll_query_until(
			'postgres',
			'SELECT count(*) FROM webhook_deliveries d WHERE d.status = \'pending\' '
			  . 'AND NOT EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.id = d.outbox_id)',
			'0'),
		"$label: the pending deliveries without an event are removed");
	my @events = split /\n/,
	  $node->safe_psql('postgres', 'SELECT event_id FROM webhook_outbox ORDER BY id');
	my %sent;
	$sent{ $_->{headers}{'webhook-id'} // '' }++ for @{ full_path_requests($recv, '/hook') };
	is(scalar(grep { ($sent{$_} // 0) != 1 } @events), 0, "$label: each remaining event sent once");
	is(scalar(grep { $sent{$_} } @$deleted), 0, "$label: no deleted event is sent");
	return;
}

# --- DELETE: every other event of 7 bookings ----------------------------------
# (event g is booking g % 7 and has id g: each booking loses every other
# event, so each has deleted events ahead of the ones that remain)
insert_many($node, 300, bookings => 7, tag => 'deleted');
my @deleted = split /\n/, $node->safe_psql('postgres',
	'DELETE FROM webhook_outbox WHERE id % 2 = 0 RETURNING event_id');
is(scalar @deleted, 150, 'half of the queued events are deleted, deliveries left behind');
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"),
	'300', 'their pending deliveries stay');

my $offset = -s $node->logfile;
set_paused(0);
check_round('after DELETE', \@deleted);
ok($node->log_contains(qr/removed \d+ pending deliveries whose event is gone/, $offset),
	'the removal is logged with a count');

# --- TRUNCATE: the whole queue, then new events of the same bookings ----------
set_paused(1);
insert_many($node, 100, bookings => 7, tag => 'truncated');
my @truncated = split /\n/, $node->safe_psql('postgres',
	"SELECT event_id FROM webhook_outbox WHERE status = 'pending'");
$node->safe_psql('postgres', 'TRUNCATE webhook_outbox');
insert_many($node, 60, bookings => 7, tag => 'truncated');
set_paused(0);
check_round('after TRUNCATE', \@truncated);

done_testing();
