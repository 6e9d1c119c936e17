# The worker keeps its connections to the receiver between bursts: no more
# distinct connections than max_concurrency, whatever came in between.
# libcurl's own rule kept four per request in flight, so the single requests
# between two bursts closed the first burst's connections beyond four and the
# second burst opened them again (BENCHMARKS.md, "deliver9").
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $slots = 8;
my ($node, $recv) = node_with_receiver('kept_connections', max_concurrency => $slots);
wait_for_worker($node);

my $written = 0;

# One transaction of $slots events of distinct bookings; every answer takes
# 300 ms, so the whole burst is in flight at once, on one connection each.
sub burst
{
	my ($name) = @_;
	$recv->config({ delay_ms => 300 });
	$node->safe_psql('postgres', qq{
		INSERT INTO booking_events (booking_id, event_type, description)
		SELECT gen_random_uuid(), 'booking.created', '$name burst' FROM generate_series(1, $slots);
	});
	$written += $slots;
	wait_for_outbox_count($node, "status = 'delivered'", $written, "$name: delivered");
}

sub connections
{
	my %ports = map { $_->{client_port} => 1 } @{ $recv->requests };
	return scalar keys %ports;
}

burst('first');
cmp_ok(connections(), '<=', $slots, 'the first burst used at most max_concurrency connections');

# One request at a time: libcurl's own rule would keep four connections.
$recv->config({ delay_ms => 0 });
for my $i (1 .. 6)
{
	$node->safe_psql('postgres', qq{
		INSERT INTO booking_events (booking_id, event_type, description)
		VALUES (gen_random_uuid(), 'booking.created', 'single');
	});
	$written++;
	wait_for_outbox_count($node, "status = 'delivered'", $written, "single $i: delivered");
}

burst('second');
is($recv->count, $written, 'every event sent once');
cmp_ok(connections(), '<=', $slots,
	'the second burst found the first burst\'s connections kept: at most max_concurrency in all');

done_testing();
