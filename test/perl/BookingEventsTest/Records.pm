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
