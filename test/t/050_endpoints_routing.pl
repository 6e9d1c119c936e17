# Endpoints (#11), routing and fan-out: with `default` (webhook_url) and two
# named endpoints (`booking.*` and an exact type), each event reaches exactly
# the endpoints whose patterns match, once each, with the same webhook-id and
# byte-identical bodies; its deliveries and log rows say the same. With
# webhook_url emptied, `default` is no longer routed to, and an event no
# endpoint wants is written delivered with no delivery row. The extension is
# installed the way a DBA would: in its own schema. The worker settles the
# events in the transaction that records their deliveries: it never calls
# booking_events_settle_events (a SQL function parsed and planned at every
# call, a second statement per recorded batch until 1.3.x).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('ep_routing',
	webhook_url => $recv->url('/default'),
	backoff_base_ms => 100,
	backoff_max_ms => 1000,
	extra_conf => "track_functions = 'all'\n");
create_app_schema($node, extension_schema => 'hooks');

my %patterns = (
	default => ['*'],
	bookings => ['booking.*'],
	refunds => ['payment.refunded'],
);
endpoint_set($node, 'bookings', $recv->url('/bookings'), event_types => $patterns{bookings});
endpoint_set($node, 'refunds', $recv->url('/refunds'), event_types => $patterns{refunds});

# The contract's matching, written again here: `*` any, `x.*` anything
# after `x.` (not `x` itself), otherwise exact.
sub wants
{
	my ($pattern, $type) = @_;
	return 1 if $pattern eq '*';
	return index($type, $1) == 0 && length($type) > length($1) if $pattern =~ /^(.*\.)\*$/;
	return $pattern eq $type;
}

sub expected_endpoints
{
	my ($type, @routed) = @_;
	return [ sort grep { my $n = $_; grep { wants($_, $type) } @{ $patterns{$n} } } @routed ];
}

# --- fan-out -----------------------------------------------------------------
my @types = ('booking.created', 'payment.refunded', 'invoice.sent', 'booking',
	'booking.status_changed', 'payment.refunded.partial');
my %type_of;
for my $round (1 .. 3)
{
	my $b = create_booking($node);
	for my $type (@types)
	{
		my $id = insert_event($node, $b->{id}, $type, "$type round $round");
		$type_of{$id} = $type;
	}
}
wait_for_drain($node, 'every routed event is delivered');

my $requests = $recv->requests;
my %paths_of;    # event_id => { path => [requests] }
for my $r (@$requests)
{
	(my $path = $r->{path}) =~ s/\?.*//;
	push @{ $paths_of{ $r->{headers}{'webhook-id'} // '' }{$path} }, $r;
}
my $texts = payload_texts($node, [ keys %type_of ]);
my $deliveries = delivery_rows($node);
my %delivery_endpoints;
push @{ $delivery_endpoints{ $_->{outbox_id} } }, $_ for @$deliveries;
my %outbox_id = map { split /\|/ } split /\n/,
  $node->safe_psql('postgres', 'SELECT event_id, id FROM webhook_outbox');

for my $id (sort { $outbox_id{$a} <=> $outbox_id{$b} } keys %type_of)
{
	my $type = $type_of{$id};
	my $want = expected_endpoints($type, qw(default bookings refunds));
	my $got = $paths_of{$id} // {};
	is_deeply([ sort map { substr($_, 1) } keys %$got ], $want,
		"$type ($id) reached exactly: @$want");
	my @all = map { @$_ } values %$got;
	is(scalar(grep { $_->{status} == 200 } @all), scalar(@$want),
		"$type: one request per endpoint, each answered 200");
	ok(!grep({ request_body($_) ne ($texts->{$id} // '') } @all),
		"$type: every endpoint got the stored payload byte for byte");
	is_deeply([ map { "$_->{endpoint}=$_->{status}" } @{ $delivery_endpoints{ $outbox_id{$id} } // [] } ],
		[ map { "$_=delivered" } @$want ],
		"$type: one delivery row per routed endpoint, each delivered");
	is( $node->safe_psql('postgres',
			"SELECT string_agg(endpoint || ':' || status, ',' ORDER BY endpoint) FROM webhook_logs "
			  . 'WHERE event_id = ' . pg_quote($id)),
		join(',', map { "$_:success" } @$want),
		"$type: one successful log row per endpoint, named");
}
for my $path (qw(/default /bookings /refunds))
{
	my @ids = map { $_->{id} } @{ path_requests($recv, $path) };
	my %seen;
	my @twice = grep { $seen{$_}++ } @ids;
	ok(!@twice, "$path got each webhook-id once") or diag("twice: @twice");
}
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered'"),
	'0', 'every outbox row sums up as delivered');
# The worker reports its statistics (tables and functions at once) when it
# goes idle: once its updates of the deliveries are counted, its calls are.
my $updates_counted = 'SELECT n_tup_upd >= (SELECT count(*) FROM webhook_deliveries) '
  . "FROM pg_stat_user_tables WHERE relname = 'webhook_deliveries'";
ok($node->poll_query_until('postgres', $updates_counted), "the worker's statistics are reported");
my $settle_calls = $node->safe_psql('postgres',
	"SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions "
	  . "WHERE funcname = 'booking_events_settle_events'");
is($settle_calls, '0',
	'the worker settled every event without calling booking_events_settle_events');

# --- webhook_url emptied: default is no longer routed ------------------------
# (Named endpoints exist, so an empty webhook_url no longer means "queue for
# default": its queue would grow forever.)
reload_settings($node, webhook_url => '');
my $b = create_booking($node);
my $unwanted = insert_event($node, $b->{id}, 'invoice.sent', 'no endpoint wants this');
my $booking_only = insert_event($node, $b->{id}, 'booking.created', 'only bookings wants this');
my $row = outbox_row($node, $unwanted);
is($row->{status}, 'delivered', 'an event no endpoint wants is written delivered');
is($row->{last_error}, 'no endpoint subscribed to invoice.sent', 'and says why');
is($node->safe_psql('postgres', "SELECT count(*) FROM webhook_deliveries WHERE outbox_id = $row->{id}"),
	'0', 'it has no delivery row (nothing can ever send it)');
wait_for_status($node, $booking_only, 'delivered');
is_deeply([ map { $_->{endpoint} } @{ delivery_rows($node, 'outbox_id = ' . outbox_row($node, $booking_only)->{id}) } ],
	['bookings'], 'with webhook_url empty, booking.created goes to bookings only');
is(scalar(@{ requests_for($recv, $unwanted) }), 0, 'no receiver ever saw the unwanted event');

$node->stop;
$recv->stop;
done_testing();
