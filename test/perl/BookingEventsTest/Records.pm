# What happened, as data: outbox and log rows from the database, requests
# from the receiver's records. Part of package BookingEventsTest (loaded and
# exported by it); see its POD.
package BookingEventsTest;

use strict;
use warnings;

use JSON::PP;
use MIME::Base64 ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The database the helpers run their SQL in (set in BookingEventsTest.pm).
our $DB;

my $JSON = JSON::PP->new->utf8->canonical;

=pod

=head2 Outbox, log and receiver records

=over

=item outbox_row($node, $event_id)

The outbox row as a hashref (JSON of the row; C<payload> decoded), or undef.

=item outbox_rows($node, $where)

All outbox rows (by id) matching C<$where> (default C<true>).

=item log_rows($node, $event_id)

The webhook_logs rows of the event as an arrayref of hashrefs, by attempt.

=item outbox_summary_mismatches($node, $where)

The outbox rows C<o> matching C<$where> (default all) that differ from the
contract's summary of their deliveries, one line each (the row, then the
summary), read in one snapshot; '' when every row is its summary. The test's own oracle: pending
while any delivery is pending, else failed if any failed, else delivered;
attempts add up; the schedule is the earliest pending one; the last answer
and error are those of the delivery furthest from done.

=cut

sub _json_query
{
	my ($node, $sql) = @_;
	my $text = $node->safe_psql($DB, $sql);
	return undef if $text eq '';
	return $JSON->decode($text);
}

sub outbox_row
{
	my ($node, $event_id) = @_;
	return _json_query($node,
		sprintf('SELECT row_to_json(o) FROM webhook_outbox o WHERE event_id = %s',
			pg_quote($event_id)));
}

sub outbox_rows
{
	my ($node, $where) = @_;
	$where //= 'true';
	return _json_query($node,
		"SELECT coalesce(json_agg(o ORDER BY o.id), '[]') FROM webhook_outbox o WHERE $where"
	);
}

sub log_rows
{
	my ($node, $event_id) = @_;
	return _json_query($node,
		sprintf(
			"SELECT coalesce(json_agg(l ORDER BY l.attempt, l.id), '[]') "
			  . 'FROM webhook_logs l WHERE event_id = %s',
			pg_quote($event_id)));
}

my $SUMMARY_MISMATCHES = <<'SQL';
WITH s AS (
    SELECT d.outbox_id,
           CASE WHEN bool_or(d.status = 'pending') THEN 'pending'
                WHEN bool_or(d.status = 'failed') THEN 'failed' ELSE 'delivered' END AS status,
           sum(d.attempts)::int AS attempts, max(d.manual_retries) AS manual_retries,
           sum(d.attempts_before_retry)::int AS attempts_before_retry,
           min(d.next_attempt_at) FILTER (WHERE d.status = 'pending') AS next_attempt_at,
           max(d.delivered_at) AS delivered_at,
           (array_agg(d.last_http_status ORDER BY CASE d.status WHEN 'failed' THEN 0
                WHEN 'pending' THEN 1 ELSE 2 END, d.endpoint))[1] AS last_http_status,
           (array_agg(d.last_error ORDER BY CASE d.status WHEN 'failed' THEN 0
                WHEN 'pending' THEN 1 ELSE 2 END, d.endpoint))[1] AS last_error
    FROM webhook_deliveries d GROUP BY d.outbox_id)
SELECT o.id || ' outbox ' || row(o.status, o.attempts, o.manual_retries, o.attempts_before_retry,
                                 o.next_attempt_at, o.delivered_at, o.last_http_status, o.last_error)
       || ' deliveries ' || row(s.status, s.attempts, s.manual_retries, s.attempts_before_retry,
                                coalesce(s.next_attempt_at, o.next_attempt_at),
                                CASE WHEN s.status = 'delivered' THEN s.delivered_at END,
                                s.last_http_status, s.last_error)
FROM webhook_outbox o JOIN s ON s.outbox_id = o.id
WHERE (%s) AND (o.status, o.attempts, o.manual_retries, o.attempts_before_retry, o.next_attempt_at,
       o.delivered_at, o.last_http_status, o.last_error)
      IS DISTINCT FROM
      (s.status, s.attempts, s.manual_retries, s.attempts_before_retry,
       coalesce(s.next_attempt_at, o.next_attempt_at),
       CASE WHEN s.status = 'delivered' THEN s.delivered_at END,
       s.last_http_status, s.last_error)
ORDER BY o.id
SQL

sub outbox_summary_mismatches
{
	my ($node, $where) = @_;
	return $node->safe_psql($DB, sprintf($SUMMARY_MISMATCHES, $where // 'true'));
}

=pod

=item requests_for($recv, $event_id)

The receiver's records whose C<webhook-id> header is C<$event_id>, oldest first.

=item request_body($req)

The exact bytes of a recorded request's body (from C<body_b64>).

=item request_json($req)

The body decoded as JSON.

=item body_ids($recv)

The C<webhook-id> of every recorded request, in arrival order.

=back

=cut

sub requests_for
{
	my ($recv, $event_id) = @_;
	return [ grep { ($_->{headers}{'webhook-id'} // '') eq $event_id }
		  @{ $recv->requests } ];
}

sub request_body
{
	my ($req) = @_;
	return MIME::Base64::decode_base64($req->{body_b64} // '');
}

sub request_json
{
	my ($req) = @_;
	return $JSON->decode(request_body($req));
}

sub body_ids
{
	my ($recv) = @_;
	return [ map { $_->{headers}{'webhook-id'} // '' } @{ $recv->requests } ];
}

1;
