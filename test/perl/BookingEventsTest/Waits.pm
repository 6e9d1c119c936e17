# Waits of BookingEventsTest: each polls for a condition that stays true
# once reached (a final status, at least n rows), so later work cannot make
# it miss. Part of package BookingEventsTest (loaded and exported by it);
# see its POD.
package BookingEventsTest;

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The database the helpers run their SQL in (set in BookingEventsTest.pm).
our $DB;

=pod

=head2 Waiting

=over

=item wait_for_status($node, $event_id, $status, $test_name)

Polls until the outbox row of C<$event_id> has that status; one C<ok>.

=item wait_for_outbox_count($node, $where, $n, $test_name)

Polls until C<count(*) FROM webhook_outbox WHERE $where> reaches C<$n> (at
least C<$n>: a condition that stays true once reached, so that later work
cannot make the wait miss it); one C<ok>. A test that needs the exact number
asserts it afterwards.

=cut

sub wait_for_status
{
	my ($node, $event_id, $status, $name) = @_;
	$name //= 'event ' . ($event_id // 'undef') . " becomes $status";
	# No event to wait for (the trigger failed): fail now, not after a timeout.
	if (!defined $event_id || $event_id !~ /^[0-9a-f-]{36}$/)
	{
		fail($name);
		diag('no event id: ' . ($event_id // 'undef'));
		return 0;
	}
	my $ok = $node->poll_query_until($DB,
		sprintf('SELECT status = %s FROM webhook_outbox WHERE event_id = %s',
			pg_quote($status), pg_quote($event_id)));
	ok($ok, $name) or diag(explain(outbox_row($node, $event_id)));
	return $ok;
}

sub wait_for_outbox_count
{
	my ($node, $where, $n, $name) = @_;
	$name //= "$n outbox rows where $where";
	my $ok = $node->poll_query_until($DB,
		"SELECT count(*) >= $n FROM webhook_outbox WHERE $where");
	ok($ok, $name);
	return $ok;
}

=pod

=item wait_for_worker($node, $other_than)

Polls until one delivery worker shows in pg_stat_activity (one whose pid is
not C<$other_than>, when given: right after a kill the dead worker may still
be listed); returns its pid, or undef after the timeout.

=back

=cut

sub wait_for_worker
{
	my ($node, $other_than) = @_;
	my $filter = "backend_type = 'booking_events worker'";
	$filter .= " AND pid <> $other_than" if defined $other_than;
	$node->poll_query_until($DB, "SELECT count(*) = 1 FROM pg_stat_activity WHERE $filter")
	  or return undef;
	return $node->safe_psql($DB, "SELECT pid FROM pg_stat_activity WHERE $filter");
}

sub worker_pid
{
	my ($node) = @_;
	return $node->safe_psql($DB,
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'booking_events worker'"
	);
}

1;
