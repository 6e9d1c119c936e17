# Retry-After on 429 and 503, in seconds and as an HTTP date: the next
# attempt of each event comes no earlier than the receiver asked (measured
# on the receiver's own clock), for several events at once; and a
# Retry-After longer than backoff_max_ms is capped there.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX ();
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('retry_after',
	backoff_base_ms => 100,
	backoff_max_ms => 5000,
	max_attempts => 5);

# Three events of three bookings get $status with Retry-After $spec first,
# then 200. Returns { event_id => [requests] }.
sub throttled_round
{
	my ($tag, $status, $spec) = @_;
	$recv->reset;
	$recv->config({ fail_first_per_event => 1, fail_status => $status, retry_after => $spec });
	insert_many($node, 3, bookings => 3, tag => $tag);
	my $where = "payload->'booking_event'->>'description' LIKE '$tag #%'";
	wait_for_drain($node, "$tag: delivered after Retry-After", where => $where);
	my $report = check_nothing_lost($node, [$recv], $tag, where => $where);
	my %by_id = map { $_ => $report->{by_id}{$_} } @{ $report->{committed} };
	for my $id (sort keys %by_id)
	{
		is_deeply([ map { $_->{status} } @{ $by_id{$id} } ], [ $status, 200 ],
			"$tag: $id answered $status, then 200");
		my $logs = log_rows($node, $id);
		is_deeply([ map { [ $_->{status}, $_->{http_status} ] } @$logs ],
			[ [ 'failed', $status ], [ 'success', 200 ] ],
			"$tag: webhook_logs has the $status attempt and the success");
		like($logs->[0]{error} // '', qr/\b$status\b/, "$tag: error text names the status");
	}
	return \%by_id;
}

# --- 429, Retry-After: 2 ----------------------------------------------------------------
my $by_id = throttled_round('ra429s', 429, '2');
for my $id (sort keys %$by_id)
{
	my ($first, $second) = @{ $by_id->{$id} };
	my $gap = $second->{time} - $first->{time};
	cmp_ok($gap, '>=', 2.0, sprintf('429 Retry-After: 2 -> next attempt %.3f s later', $gap));
}

# --- 429 and 503, Retry-After: <HTTP date N s ahead> -------------------------------------
# The date has whole seconds: it is at least floor(arrival + N).
for my $round ([ 'ra429d', 429, 3 ], [ 'ra503d', 503, 2 ])
{
	my ($tag, $status, $ahead) = @$round;
	$by_id = throttled_round($tag, $status, "http-date+$ahead");
	for my $id (sort keys %$by_id)
	{
		my ($first, $second) = @{ $by_id->{$id} };
		my $asked = POSIX::floor($first->{time} + $ahead);
		cmp_ok($second->{time}, '>=', $asked,
			sprintf('%d Retry-After: HTTP date -> next attempt %.3f s after the date\'s earliest value',
				$status, $second->{time} - $asked));
	}
}

# --- Retry-After longer than backoff_max_ms: capped ---------------------------------------
# A new path too, so that the worker says when it has read the new cap.
reload_settings($node, backoff_max_ms => 1000, webhook_url => $recv->url('/capped'));
$by_id = throttled_round('racap', 429, '3600');
for my $id (sort keys %$by_id)
{
	my ($first, $second) = @{ $by_id->{$id} };
	my $gap = $second->{time} - $first->{time};
	cmp_ok($gap, '>=', 1.0, sprintf('Retry-After: 3600 capped at backoff_max_ms: waited %.3f s', $gap));
	cmp_ok($gap, '<', 5, 'and not an hour');
}

$node->stop;
$recv->stop;
done_testing();
