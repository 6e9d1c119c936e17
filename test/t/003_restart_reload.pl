# Events survive a server restart (delivery paused with an empty URL, and an
# immediate shutdown with a request in flight), and a reload (SIGHUP) moves
# delivery to a new URL or pauses and resumes it without losing anything.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv_a = start_receiver();
my $recv_b = start_receiver();
my $url_a = $recv_a->url('/hook-a');
my $url_b = $recv_b->url('/hook-b');

# No webhook_url: delivery is paused.
my $node = new_node('restart', backoff_base_ms => 200, backoff_max_ms => 2000);
create_app_schema($node);
ok(wait_for_worker($node), 'worker runs without a webhook_url');

# --- paused: events wait in the outbox -----------------------------------
my $b1 = create_booking($node);
my $b2 = create_booking($node);
my @waiting;
push @waiting, insert_event($node, $b1->{id}, 'booking.created', 'first of b1');
push @waiting, insert_event($node, $b2->{id}, 'booking.created', 'first of b2');
$node->safe_psql('postgres', "UPDATE bookings SET status = 'confirmed' WHERE id = '$b1->{id}'");
push @waiting, last_event_id($node);
push @waiting, insert_event($node, $b1->{id}, 'booking.note', 'last of b1');

is($recv_a->wait_for_count(1, 2), 0, 'nothing is sent while webhook_url is empty');
is( $node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE status = 'pending' AND attempts = 0) || '/' || count(*) FROM webhook_outbox"),
	'4/4', 'all four events are pending, untried');

# --- restart with a URL: all delivered, each exactly once -----------------
$node->stop;
$node->append_conf('postgresql.conf', conf_line(webhook_url => $url_a));
$node->start;
wait_for_outbox_count($node, "status = 'delivered'", 4, 'all four delivered after the restart');
is($recv_a->wait_for_count(5, 1.5), 4, 'exactly four requests');
my @got = @{ body_ids($recv_a) };
is_deeply([ sort @got ], [ sort @waiting ], 'each event delivered exactly once');
my %pos;
@pos{@got} = (0 .. $#got);
ok($pos{ $waiting[0] } < $pos{ $waiting[2] } && $pos{ $waiting[2] } < $pos{ $waiting[3] },
	'events of one booking arrive in the order they were written');
is_deeply([ map { $_->{path} } @{ $recv_a->requests } ], [ ('/hook-a') x 4 ],
	'sent to the URL set before the restart');

# --- immediate shutdown while a request is in flight --------------------------
$recv_a->reset;
# Long enough that the answer can never come before the stop below, however
# slow the machine (it came after 3 s once, and the queued event went out).
$recv_a->config({ delay_ms => 30000 });
my $in_flight = insert_event($node, $b1->{id}, 'booking.in_flight', 'sent when the server dies');
is($recv_a->wait_for_count(1, 30), 1, 'request in flight (receiver stalls)');
my $queued = insert_event($node, $b1->{id}, 'booking.queued', 'committed behind it');
is(outbox_row($node, $in_flight)->{status}, 'pending', 'in-flight event is still pending');
is(outbox_row($node, $queued)->{status}, 'pending', 'later event of the booking waits');

$node->stop('immediate');
$recv_a->config({});
$node->start;
wait_for_status($node, $in_flight, 'delivered', 'in-flight event delivered after the crash');
wait_for_status($node, $queued, 'delivered', 'queued event delivered after the crash');
my $reqs = $recv_a->requests;
my @in_flight_reqs = grep { $_->{headers}{'webhook-id'} eq $in_flight } @$reqs;
my @queued_reqs = grep { $_->{headers}{'webhook-id'} eq $queued } @$reqs;
# At least once: on a busy machine a resend may itself fail (and be retried)
# before one is answered, so the count has no upper bound.
cmp_ok(scalar @in_flight_reqs, '>=', 2, 'the interrupted event is sent again (at least once)');
note('attempts after the restart: ' . explain(log_rows($node, $in_flight)));
is(scalar @queued_reqs, 1, 'the queued event is sent once');
ok($queued_reqs[0]{seq} > $in_flight_reqs[-1]{seq},
	'the queued event still comes after the last resend');
is_deeply([ map { $_->{body_b64} } @in_flight_reqs[ 1 .. $#in_flight_reqs ] ],
	[ ($in_flight_reqs[0]{body_b64}) x $#in_flight_reqs ],
	'resent with the same bytes');
is((log_rows($node, $in_flight)->[-1] // {})->{status}, 'success', 'resend logged as success');

# --- reload: a new URL ---------------------------------------------------------
$recv_a->reset;
my $pid = wait_for_worker($node);
my $to_a = insert_event($node, $b2->{id}, 'booking.to_a', 'before the reload');
wait_for_status($node, $to_a, 'delivered');
is_deeply(body_ids($recv_a), [$to_a], 'event reached A');

my $offset = -s $node->logfile;
$node->safe_psql('postgres',
	"ALTER SYSTEM SET booking_events.webhook_url = " . pg_quote($url_b));
$node->reload;
# The worker says where it delivers once it has read the new value.
# The log names only scheme, host and port: a webhook URL's path is a secret.
(my $origin_b = $url_b) =~ s{^(\w+://[^/]+).*}{$1};
$node->wait_for_log(qr/delivering to \Q$origin_b\E$/m, $offset);
is(worker_pid($node), $pid, 'same worker after the reload');

my @to_b;
push @to_b, insert_event($node, $b2->{id}, 'booking.to_b', 'after the reload');
push @to_b, insert_event($node, $b1->{id}, 'booking.to_b', 'after the reload, b1');
wait_for_status($node, $_, 'delivered') for @to_b;
is_deeply([ sort @{ body_ids($recv_b) } ], [ sort @to_b ], 'later events reach B');
is_deeply([ map { $_->{path} } @{ $recv_b->requests } ], [ ('/hook-b') x 2 ], 'at B\'s path');
is($recv_a->count, 1, 'A gets nothing more');

# --- reload: pause and resume ------------------------------------------------------
$recv_b->reset;
$offset = -s $node->logfile;
$node->safe_psql('postgres', "ALTER SYSTEM SET booking_events.webhook_url = ''");
$node->reload;
$node->wait_for_log(qr/delivery is paused/, $offset);
my $paused = insert_event($node, $b2->{id}, 'booking.paused', 'while paused');
is($recv_b->wait_for_count(1, 1.5), 0, 'nothing sent to B while paused');
is($recv_a->count, 1, 'nor to A');
is(outbox_row($node, $paused)->{status}, 'pending', 'event waits while paused');
is(outbox_row($node, $paused)->{attempts}, 0, 'and is not tried');

$node->safe_psql('postgres',
	"ALTER SYSTEM SET booking_events.webhook_url = " . pg_quote($url_b));
$node->reload;
wait_for_status($node, $paused, 'delivered', 'delivered after resuming, with no new commit');
is_deeply(body_ids($recv_b), [$paused], 'the waiting event reached B once');
is(worker_pid($node), $pid, 'still the same worker');

$node->stop;
$recv_a->stop;
$recv_b->stop;
done_testing();
