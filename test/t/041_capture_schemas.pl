# Installed the way a DBA does it, end to end: the extension in schema
# hooks, the application's tables in schema booking (bookings partitioned),
# the settings schema-qualified, and a login role holding only its own
# table privileges. Its writes are delivered, enriched, whatever its
# search_path; it cannot attach the trigger function to a table of its own.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('schemas',
	webhook_url => $recv->url('/hook'),
	bookings_table => 'booking.bookings',
	profiles_table => 'booking.profiles');
$node->safe_psql('postgres',
	slurp_file("$FindBin::RealBin/../sql/booking_schemas.sql"));

my @as_app = (extra_params => [ '-U', 'booking_app' ]);
$node->safe_psql('postgres', <<'SQL', @as_app);
SET search_path = booking;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('33333333-3333-3333-3333-333333333333', 'booking.paid', 'as app, search_path booking');
SQL
$node->safe_psql('postgres', <<'SQL', @as_app);
UPDATE booking.bookings SET status = 'confirmed' WHERE id = '33333333-3333-3333-3333-333333333333';
SQL

ok( $node->poll_query_until('postgres',
		"SELECT count(*) FILTER (WHERE status = 'delivered') >= 2 FROM hooks.webhook_outbox"),
	'both events of the application role are delivered');
my %bodies = map {
	my $body = request_json($_);
	($body->{event_type} => $body)
} @{ $recv->requests };
my $paid = $bodies{'booking.paid'};
my $changed = $bodies{'booking.status_changed'};
ok($paid && $changed, 'the receiver got booking.paid and booking.status_changed')
  or diag(explain([ keys %bodies ]));
is($paid->{booking_details}{booking_number}, 'BK-1', 'booking.paid carries booking_details');
is($paid->{client_info}{name}, 'Alice', 'and client_info');
is($paid->{provider_info}{company_name}, 'Bob Ltd', 'and provider_info');
is($changed->{booking_event}{booking_id}, '33333333-3333-3333-3333-333333333333',
	'the partition update carries the booking_id');
is($changed->{booking_event}{table}, 'bookings', 'under the partitioned table\'s name');
is($changed->{booking_event}{new_status}, 'confirmed', 'with the new status');

my ($rc, $stdout, $stderr) = $node->psql('postgres', <<'SQL', @as_app);
CREATE TEMP TABLE booking_events (id int, booking_id uuid, event_type text);
CREATE TRIGGER forge AFTER INSERT ON pg_temp.booking_events FOR EACH ROW
    EXECUTE FUNCTION hooks.trigger_booking_event_webhook();
SQL
like($stderr, qr/permission denied for (function|schema)/,
	'the application role cannot attach the trigger function');

$node->stop;
done_testing();
