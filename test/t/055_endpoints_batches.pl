# Endpoints (#11), batches: an endpoint with batch_max 50 gets a backlog of
# 200 events of 7 interleaved bookings as {"batch_id","events":[...]}
# bodies: each event's exact single body bytes, webhook-id = batch_id,
# signed with the endpoint's own secret over the whole body (checked here
# with Digest::SHA), its own API key; per-booking order holds inside and
# across batches (the receiver answers after 300 ms, so a batch sent before
# the previous one of the same booking was answered shows); one log row per
# event. A batch answered 500 retries each of its events.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use MIME::Base64 ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $answer_s = 0.3;
my $secret = 'whsec_' . MIME::Base64::encode_base64("batch signing key \x00\x01\xfe", '');
my $api_key = 'batch-endpoint-key-42';
my ($node, $recv) = endpoints_node('ep_batches',
	signing_secret => 'whsec_' . MIME::Base64::encode_base64('the default key', ''));
$recv->config({ paths => { '/batched' => { delay_ms => $answer_s * 1000 } } });
endpoint_set($node, 'batched', $recv->url('/batched'),
	batch_max => 50, signing_secret => $secret, api_key => $api_key);

# Events queued while the endpoint is paused, then released at once: a
# backlog the worker can batch.
sub backlog
{
	my ($tag, $n, $bookings) = @_;
	$node->safe_psql('postgres', "SELECT webhook_endpoint_pause('batched')");
	insert_many($node, $n, bookings => $bookings, tag => $tag, event_type => 'booking.batched');
	$node->safe_psql('postgres', "SELECT webhook_endpoint_resume('batched')");
	my $where = "payload->'booking_event'->>'description' LIKE '$tag #%'";
	wait_for_drain($node, "$tag: all $n delivered", where => $where);
	return $where;
}

# The requests to /batched with their events: [{ req, batch_id, event_ids }].
sub batches
{
	return [
		map { { req => $_, %{ batch_parts(request_body($_)) // { event_ids => [] } } } }
		  @{ full_path_requests($recv, '/batched') }
	];
}

my $where = backlog('mix', 200, 7);
my $batches = batches();
my @event_ids = split /\n/,
  $node->safe_psql('postgres', "SELECT event_id FROM webhook_outbox WHERE $where ORDER BY id");
my $texts = payload_texts($node, \@event_ids);
my %is_event = map { $_ => 1 } @event_ids;
my $key = key_of_secret($secret);

my (@bad_form, @bad_bytes, @bad_signature, @bad_id, @bad_key);
my $largest = 0;
for my $batch (@$batches)
{
	my $req = $batch->{req};
	my $body = request_body($req);
	my $headers = $req->{headers};
	if (!defined $batch->{batch_id} || $batch->{batch_id} !~ /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
	{
		push @bad_form, $req->{seq};
		next;
	}
	my $n = scalar @{ $batch->{event_ids} };
	$largest = $n if $n > $largest;
	push @bad_form, $req->{seq} if $n < 1 || $n > 50;
	push @bad_bytes, $req->{seq}
	  if $body ne expected_batch_body($batch->{batch_id}, $batch->{event_ids}, $texts);
	push @bad_id, $req->{seq}
	  if ($headers->{'webhook-id'} // '') ne $batch->{batch_id} || $is_event{ $batch->{batch_id} };
	push @bad_signature, $req->{seq}
	  if ($headers->{'webhook-signature'} // '') ne standard_webhooks_signature($key,
		$batch->{batch_id}, $headers->{'webhook-timestamp'} // '', $body);
	push @bad_key, $req->{seq} if ($headers->{'x-make-apikey'} // '') ne $api_key;
}
ok(!@bad_form, 'every request to the batched endpoint is {"batch_id": <uuid>, "events": [1..50]}')
  or diag("requests: @bad_form");
ok(!@bad_bytes, "every batch embeds each event's exact body bytes") or diag("requests: @bad_bytes");
ok(!@bad_id, 'webhook-id is the batch_id, a fresh uuid (no event id)') or diag("requests: @bad_id");
ok(!@bad_signature, "signed over the whole body with the endpoint's own secret")
  or diag("requests: @bad_signature");
ok(!@bad_key, "x-make-apikey is the endpoint's own key") or diag("requests: @bad_key");
cmp_ok($largest, '>', 1, "events were batched (largest batch: $largest)");
note(scalar(@$batches) . " requests carried the 200 events; largest batch $largest");

my %times_at;    # event_id => [[arrival, position in its batch, seq]]
for my $batch (@$batches)
{
	my $i = 0;
	push @{ $times_at{$_} }, [ $batch->{req}{time}, $i++, $batch->{req}{seq} ] for @{ $batch->{event_ids} };
}
my @sent = grep { $times_at{$_} } @event_ids;
is(scalar @sent, 200, 'every event went out in some batch');
is(scalar(grep { @{ $times_at{$_} } > 1 } @sent), 0, 'each exactly once (all answered 200)');

# Per-booking order: within a batch by position, across batches only once
# the previous batch of the booking was answered.
my %booking_of = map { split /\|/ } split /\n/,
  $node->safe_psql('postgres', "SELECT event_id, booking_id FROM webhook_outbox WHERE $where");
my %previous;    # booking => event_id
my @disorder;
for my $id (@event_ids)
{
	my $b = $booking_of{$id};
	if (my $prev = $previous{$b})
	{
		my ($pt, $ppos, $pseq) = @{ $times_at{$prev}[0] // [] };
		my ($t, $pos, $seq) = @{ $times_at{$id}[0] // [] };
		push @disorder, $id
		  unless defined $t && defined $pt
		  && ($seq == $pseq ? $pos > $ppos : $t >= $pt + $answer_s - 0.01);
	}
	$previous{$b} = $id;
}
ok(!@disorder, 'per-booking order holds inside and across batches')
  or diag(scalar(@disorder) . " events out of order, e.g. $disorder[0]");

is( $node->safe_psql('postgres',
		"SELECT count(*) || ' rows, ' || count(DISTINCT l.event_id) || ' events, ' "
		  . "|| count(*) FILTER (WHERE l.status = 'success') || ' successes' "
		  . "FROM webhook_logs l JOIN webhook_outbox o USING (event_id) WHERE l.endpoint = 'batched' AND $where"),
	'200 rows, 200 events, 200 successes', 'one webhook_logs row per event');
my @default_bad = grep { request_body($_) ne ($texts->{ $_->{headers}{'webhook-id'} // '' } // '') }
  @{ full_path_requests($recv, '/hook') };
ok(!@default_bad, 'default (batch_max 1) still gets each event alone, webhook-id = event_id');

# --- a batch answered 500 retries its events -------------------------------
$recv->reset;
$recv->config({ paths => { '/batched' => { statuses => [500] } } });
$where = backlog('retry', 30, 5);
$batches = batches();
my ($failed) = grep { ($_->{req}{status} // 0) == 500 } @$batches;
ok($failed && @{ $failed->{event_ids} }, 'the first batch was answered 500');
my @retried = @{ $failed->{event_ids} // [] };
my %ok_again = map { $_ => 1 } map { @{ $_->{event_ids} } } grep { ($_->{req}{status} // 0) == 200 } @$batches;
is(scalar(grep { !$ok_again{$_} } @retried), 0,
	'each of its ' . scalar(@retried) . ' events went out again and was answered 200');
my $in = sql_text_array(\@retried) . '::uuid[]';
is( $node->safe_psql('postgres',
		"SELECT count(DISTINCT event_id) FROM webhook_logs WHERE endpoint = 'batched' "
		  . "AND event_id = ANY ($in) AND status = 'failed' AND http_status = 500"),
	scalar(@retried), 'each has a log row of the failed batch');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id "
		  . "WHERE d.endpoint = 'batched' AND d.status = 'delivered' AND o.event_id = ANY ($in)"),
	scalar(@retried), 'and is delivered');

$node->stop;
$recv->stop;
done_testing();
