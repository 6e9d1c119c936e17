# Server stops in the middle of a drain: an immediate shutdown (no
# checkpoint, crash recovery on start), a second one while the restarted
# worker catches up, and a fast shutdown. Every committed event is delivered
# after the restarts; duplicates only for requests in flight at a stop; an
# event of a transaction still open at the crash is never sent.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MIME::Base64 ();
use Time::HiRes ();
use BookingEventsTest;

my $max_concurrency = 32;
my $recv = start_receiver(quiet => 1);
$recv->config({ random_delay_ms => [ 0, 20 ] });

my $node = new_node('immediate',
	backoff_base_ms => 100,
	backoff_max_ms => 1000,
	max_concurrency => $max_concurrency);
create_app_schema($node);
ok(wait_for_worker($node), 'worker runs');

my $total = 5000;
insert_many($node, $total, bookings => 100, tag => 'immediate');
my @stop_windows;

sub stop_mid_drain
{
	my ($mode, $at_least) = @_;
	my $got = $recv->wait_for_count($at_least, 120);
	cmp_ok($got, '>=', $at_least, "receiver got $at_least requests before the $mode stop");
	my $t0 = Time::HiRes::time();
	$node->stop($mode);
	push @stop_windows, [ $t0, Time::HiRes::time() ];
	my $count = $recv->count;
	note("$mode stop after $count requests");
	return $count;
}

# Delivery starts once the URL is set.
reload_settings($node, webhook_url => $recv->url('/hook'));

# A transaction left open when the server dies: its event must never go out.
my $open_tx = $node->background_psql('postgres', on_error_stop => 0);
$open_tx->query_safe(
	"BEGIN; INSERT INTO booking_events (booking_id, event_type, description) "
	  . "VALUES (gen_random_uuid(), 'never.committed', 'open at the crash')");

# --- immediate shutdown mid-drain ------------------------------------------------
my $offset = -s $node->logfile;
my $count = stop_mid_drain('immediate', 1000);
cmp_ok($count, '<', $total, 'the immediate stop landed mid-drain');
eval { $open_tx->quit };
$node->start;
ok(wait_for_worker($node), 'worker runs after the restart');
like(log_since($node, $offset), qr/database system was not properly shut down|automatic recovery in progress/,
	'the restart went through crash recovery');

# --- again, while the restarted worker catches up ---------------------------------
$count = stop_mid_drain('immediate', $count + 500);
cmp_ok($count, '<', $total, 'the second immediate stop landed mid-drain');
$node->start;

# --- a fast (clean) shutdown mid-drain ---------------------------------------------
$count = stop_mid_drain('fast', $count + 500);
cmp_ok($count, '<', $total, 'the fast stop landed mid-drain');
$node->start;

wait_for_drain($node, 'backlog drained after three stops');
check_nothing_lost($node, [$recv], 'server stops',
	# Per stop, what was sent and not yet recorded can be sent again: the
	# requests in flight, plus the attempts handed to the recorder and not
	# yet committed by it (at most four times max_concurrency, at least 64;
	# README, The recorder). Each duplicate must still have been in flight
	# at a stop (allow_duplicate).
	max_duplicates => 3 * ($max_concurrency + ($max_concurrency * 4 > 64 ? $max_concurrency * 4 : 64)),
	allow_duplicate => in_flight_at(\@stop_windows),
	check_payload => 1);
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM webhook_outbox WHERE event_type = 'never.committed'"),
	'0', 'the open transaction left no outbox row');
is(scalar(grep { MIME::Base64::decode_base64($_->{body_b64}) =~ /never\.committed/ }
			@{ recorded_requests($recv) }),
	0, 'and nothing of it reached the receiver');
is( $node->safe_psql('postgres',
		"SELECT count(*) || '|' || count(DISTINCT event_id) || '|' || bool_and(status = 'success') "
		  . "FROM webhook_logs"),
	"$total|$total|true",
	'webhook_logs: one successful attempt per event');

# --- an event committed just before the crash, while nothing is in flight ----------
# The worker must find it in the outbox after the restart without a new commit.
$recv->reset;
reload_settings($node, webhook_url => '');
my $b = create_booking($node);
my $waiting = insert_event($node, $b->{id}, 'booking.waiting', 'committed, then the crash');
$node->stop('immediate');
$node->append_conf('postgresql.conf', conf_line(webhook_url => $recv->url('/after')));
$node->start;
# ALTER SYSTEM wrote webhook_url = '' to postgresql.auto.conf, which wins over
# postgresql.conf; set it there again.
$node->safe_psql('postgres', 'ALTER SYSTEM RESET booking_events.webhook_url');
$node->reload;
wait_for_status($node, $waiting, 'delivered', 'event committed before a crash is delivered');
is_deeply(body_ids($recv), [$waiting], 'exactly once');

$node->stop;
$recv->stop;
done_testing();
