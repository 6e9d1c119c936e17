# The endpoint half of BookingEventsTest (issue #11): setting endpoints up,
# reading what each endpoint (a path of one receiver) got, and the measured
# facts the endpoint tests assert: the worst one-second window, batch bodies,
# signatures. Part of package BookingEventsTest (loaded and exported by it).
package BookingEventsTest;

use strict;
use warnings;

use Carp;
use Digest::SHA ();
use JSON::PP;
use MIME::Base64 ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our $DB;

my $JSON = JSON::PP->new->utf8->canonical;

=pod

=head2 Endpoint helpers

=over

=item endpoints_node($name, %settings)

C<node_with_receiver> as the endpoint tests want it: retries after 100 ms,
backing off to at most 500 ms (C<backoff_base_ms>, C<backoff_max_ms>), so a
test of a failing endpoint sees its retries within a second; C<%settings>
override these and add others.

=item endpoint_set($node, $name, $url, %opts)

C<SELECT webhook_endpoint_set(...)> with named arguments: C<event_types>
(arrayref of patterns), C<max_per_second>, C<batch_max>, C<api_key>,
C<signing_secret>; omitted ones take the function's defaults.

=item sql_text_array(\@values)

C<ARRAY['a','b']::text[]>, quoted.

=cut

sub endpoints_node
{
	my ($name, %settings) = @_;
	return node_with_receiver($name,
		backoff_base_ms => 100,
		backoff_max_ms => 500,
		%settings);
}

sub sql_text_array
{
	my ($values) = @_;
	return 'ARRAY[' . join(', ', map { pg_quote($_) } @$values) . ']::text[]';
}

sub endpoint_set
{
	my ($node, $name, $url, %opts) = @_;
	my @args = (pg_quote($name), pg_quote($url));
	push @args, 'event_types => ' . sql_text_array($opts{event_types})
	  if $opts{event_types};
	push @args, "max_per_second => $opts{max_per_second}" if defined $opts{max_per_second};
	push @args, "batch_max => $opts{batch_max}" if defined $opts{batch_max};
	push @args, 'api_key => ' . pg_quote($opts{api_key}) if defined $opts{api_key};
	push @args, 'signing_secret => ' . pg_quote($opts{signing_secret})
	  if defined $opts{signing_secret};
	$node->safe_psql($DB, 'SELECT webhook_endpoint_set(' . join(', ', @args) . ')');
	return;
}

=pod

=item path_requests($recv, $path, since => $seq)

recorded_requests of the receiver that went to C<$path> (query ignored).

=item full_path_requests($recv, $path)

The same with every recorded field (headers included), through the control
API: for the few requests whose headers a test checks.

=cut

sub _path_of
{
	my ($path) = @_;
	$path //= '';
	$path =~ s/\?.*//s;
	return $path;
}

sub path_requests
{
	my ($recv, $path, %opts) = @_;
	return [ grep { _path_of($_->{path}) eq $path } @{ recorded_requests($recv, %opts) } ];
}

sub full_path_requests
{
	my ($recv, $path) = @_;
	return [ grep { _path_of($_->{path}) eq $path } @{ $recv->requests } ];
}

=pod

=item worst_window(\@times, $width)

The largest number of C<@times> (epoch seconds) inside any half-open window
C<[t, t + $width)> (default 1 s): what a rate limit of N per second must keep
at N or below. Brute force over every start that matters (each time).

=cut

sub worst_window
{
	my ($times, $width) = @_;
	$width //= 1.0;
	my @t = sort { $a <=> $b } @$times;
	my ($worst, $end) = (0, 0);
	for my $start (0 .. $#t)
	{
		$end++ while $end <= $#t && $t[$end] < $t[$start] + $width;
		my $n = $end - $start;
		$worst = $n if $n > $worst;
	}
	return $worst;
}

=pod

=item standard_webhooks_signature($key, $id, $timestamp, $body)

C<v1,base64(HMAC-SHA256($key, "$id.$timestamp.$body"))>, computed here (with
Digest::SHA), not by the extension.

=item key_of_secret($secret)

The HMAC key a signing secret stands for: C<whsec_E<lt>base64E<gt>> decoded,
anything else as it is.

=cut

sub standard_webhooks_signature
{
	my ($key, $id, $timestamp, $body) = @_;
	return 'v1,'
	  . MIME::Base64::encode_base64(Digest::SHA::hmac_sha256("$id.$timestamp.$body", $key), '');
}

sub key_of_secret
{
	my ($secret) = @_;
	return $secret =~ /^whsec_(.*)$/s ? MIME::Base64::decode_base64($1) : $secret;
}

=pod

=item payload_texts($node, \@event_ids)

C<{ event_id =E<gt> payload::text }>: the exact body of each event.

=item batch_parts($body)

C<{ batch_id, event_ids =E<gt> [...] }> of a batch body, in the order of its
C<events>; undef when the body is not of the form C<{"batch_id": ...,
"events": [...]}>.

=item expected_batch_body($batch_id, \@event_ids, \%payload_texts)

The bytes a batch of these events must be: C<{"batch_id":"ID","events":[>,
each event's exact body, comma-separated, C<]}>. A test compares the
received body with it byte for byte.

=cut

sub payload_texts
{
	my ($node, $event_ids) = @_;
	return {} unless @$event_ids;
	my $rows = $node->safe_psql($DB,
		'SELECT json_object_agg(event_id, payload::text) FROM webhook_outbox WHERE event_id = ANY ('
		  . sql_text_array($event_ids) . '::uuid[])');
	return $rows eq '' ? {} : $JSON->decode($rows);
}

sub batch_parts
{
	my ($body) = @_;
	my $doc = eval { $JSON->decode($body) };
	return undef
	  unless ref $doc eq 'HASH'
	  && defined $doc->{batch_id}
	  && ref $doc->{events} eq 'ARRAY';
	return {
		batch_id => $doc->{batch_id},
		event_ids => [ map { ref $_ eq 'HASH' ? $_->{event_id} // '' : '' } @{ $doc->{events} } ]
	};
}

sub expected_batch_body
{
	my ($batch_id, $event_ids, $texts) = @_;
	return qq({"batch_id":"$batch_id","events":[)
	  . join(',', map { $texts->{$_} // '<no such event>' } @$event_ids) . ']}';
}

=pod

=item delivery_rows($node, $where)

Rows of C<webhook_deliveries> (C<where>, default all) as hashrefs, by
outbox_id and endpoint.

=item endpoint_status($node, $name)

The C<webhook_endpoints_status> row of C<$name> as a hashref, or undef.

=back

=cut

sub delivery_rows
{
	my ($node, $where) = @_;
	$where //= 'true';
	my $text = $node->safe_psql($DB,
		"SELECT coalesce(json_agg(d ORDER BY d.outbox_id, d.endpoint), '[]') "
		  . "FROM webhook_deliveries d WHERE $where");
	return $JSON->decode($text);
}

sub endpoint_status
{
	my ($node, $name) = @_;
	my $text = $node->safe_psql($DB,
		'SELECT row_to_json(s) FROM webhook_endpoints_status s WHERE name = ' . pg_quote($name));
	return $text eq '' ? undef : $JSON->decode($text);
}

1;
