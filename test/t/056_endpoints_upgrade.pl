# Endpoints (#11), upgrade to the latest version from 1.0.0 and from 1.1.0
# (which gain the deliveries of 1.2.0), from 1.3.0 (1.4.0: the settle
# locks the outbox rows first) and from 1.4.0 (1.5.0: three functions
# restated, cleanup_webhook_logs among them), with the new library already
# loaded (the package was upgraded, the server restarted, ALTER EXTENSION
# UPDATE not yet run): the old schema keeps queueing and delivering to
# `default`; then, with failed events, pending events and requests held in
# flight by a stalled receiver, the update runs. Every queued or failed
# event has its `default` delivery, the answers to the requests in flight
# are recorded against it, the failed ones go out after
# retry_failed_webhooks(), every log row says `default`, none is lost or
# accepted twice; and a named endpoint works right after.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

sub upgrade_from
{
	my ($from) = @_;
	(my $tag = $from) =~ tr/./_/;
	my $recv = start_receiver();
	my $node = new_node("upgrade_$tag",
		webhook_url => $recv->url('/hook'),
		backoff_base_ms => 100,
		backoff_max_ms => 400,
		max_attempts => 20,
		request_timeout_ms => 120000);
	my $latest = $node->safe_psql('postgres',
		"SELECT default_version FROM pg_available_extensions WHERE name = 'booking_events'");
	$node->safe_psql('postgres', "CREATE EXTENSION booking_events VERSION '$from'");
	create_app_schema($node, extension => 0);

	# Failed before the update: the receiver answers 410 (gone).
	$recv->config({ statuses => [ 410, 410, 410 ] });
	for my $n (1 .. 3)
	{
		my $b = create_booking($node);
		my $id = insert_event($node, $b->{id}, 'booking.failed', "failed $n");
		wait_for_status($node, $id, 'failed', "$from: event $n fails on the old schema");
	}

	# In flight across the update, and pending behind them (same bookings).
	# Held long enough to outlast the update on a busy machine.
	$recv->config({ delay_ms => 20000 });
	my $seen = $recv->count;
	my @in_flight;
	for my $n (1 .. 3)
	{
		my $b = create_booking($node);
		push @in_flight, insert_event($node, $b->{id}, 'booking.in_flight', "in flight $n");
		insert_event($node, $b->{id}, 'booking.pending', "pending $n");
	}
	cmp_ok($recv->wait_for_count($seen + 3), '>=', $seen + 3, "$from: three requests are held in flight");

	$node->safe_psql('postgres', 'ALTER EXTENSION booking_events UPDATE');
	is( $node->safe_psql('postgres',
			"SELECT extversion FROM pg_extension WHERE extname = 'booking_events'"),
		$latest, "$from: updated to $latest with requests in flight");
	is( $node->safe_psql('postgres',
			"SELECT prosrc LIKE '%FOR NO KEY UPDATE;%WITH summary%' FROM pg_proc "
			  . "WHERE proname = 'booking_events_settle_events'"),
		't', "$from: the settle locks the outbox rows before it reads the deliveries (1.4.0)");
	my (undef, $deleted, $error) = $node->psql('postgres', 'SELECT cleanup_webhook_logs(2147483647)');
	is($deleted, '0', "$from: a retention longer than timestamptz reaches back deletes nothing (1.5.0)")
	  or diag($error);
	my (undef, undef, $refusal) = $node->psql('postgres', "SELECT webhook_endpoint_remove('default')");
	like($refusal, qr/HINT:  Empty booking_events\.webhook_url to stop using it, or pause it with webhook_endpoint_pause\(\)\./,
		"$from: the refusal to remove default keeps its hint whole in the client (1.5.0)");
	is( $node->safe_psql('postgres',
			"SELECT count(*) || ' deliveries, all default: ' || bool_and(d.endpoint = 'default') "
			  . "|| ', failed: ' || count(*) FILTER (WHERE d.status = 'failed') "
			  . 'FROM webhook_outbox o JOIN webhook_deliveries d ON d.outbox_id = o.id'),
		'9 deliveries, all default: true, failed: 3',
		"$from: each queued and failed event got its default delivery");

	$recv->config({});
	my $in_flight = sql_text_array(\@in_flight) . '::uuid[]';
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) = 3 FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id "
			  . "WHERE d.endpoint = 'default' AND d.status = 'delivered' AND o.event_id = ANY ($in_flight)"),
		"$from: the answers to the requests in flight are recorded against their default delivery");
	is($node->safe_psql('postgres', 'SELECT retry_failed_webhooks()'), '3',
		"$from: the failed events are put back");
	my $b = create_booking($node);
	insert_event($node, $b->{id}, 'booking.after', 'after the update');
	wait_for_drain($node, "$from: everything is delivered");
	is( $node->safe_psql('postgres',
			"SELECT count(*) FILTER (WHERE status = 'delivered') || '/' || count(*) FROM webhook_outbox"),
		'10/10', "$from: all ten events delivered, none lost");
	is( $node->safe_psql('postgres',
			"SELECT count(*) FILTER (WHERE status = 'delivered') || '/' || count(*) FROM webhook_deliveries "
			  . "WHERE endpoint = 'default'"),
		'10/10', "$from: and so are their default deliveries");
	check_nothing_lost($node, [$recv], $from);
	is($node->safe_psql('postgres', 'SELECT string_agg(DISTINCT endpoint, \',\') FROM webhook_logs'),
		'default', "$from: every log row, from before and after the update, says default");

	# The new features work at once.
	endpoint_set($node, 'crm', $recv->url('/crm'), event_types => ['booking.*']);
	my $routed = insert_event($node, $b->{id}, 'booking.routed', 'to crm and default');
	wait_for_status($node, $routed, 'delivered', "$from: an event after the update reaches both endpoints");
	is(scalar(@{ requests_for($recv, $routed) }), 2, "$from: once at each");

	$node->stop;
	$recv->stop;
	return;
}

upgrade_from('1.0.0');
upgrade_from('1.1.0');
upgrade_from('1.3.0');
upgrade_from('1.4.0');
done_testing();
