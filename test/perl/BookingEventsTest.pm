=pod

=head1 NAME

BookingEventsTest - shared setup for the booking_events TAP tests

=head1 SYNOPSIS

  use FindBin;
  use lib "$FindBin::RealBin/../perl";
  use PostgreSQL::Test::Cluster;
  use PostgreSQL::Test::Utils;
  use Test::More;
  use BookingEventsTest;

  my $recv = start_receiver();
  my $node = new_node('main', webhook_url => $recv->url, backoff_base_ms => 200);
  create_app_schema($node);
  my $b = create_booking($node);
  my $event_id = insert_event($node, $b->{id}, 'booking.confirmed', 'Confirmed');
  wait_for_status($node, $event_id, 'delivered');
  my $row = outbox_row($node, $event_id);            # hashref of the outbox row
  my $logs = log_rows($node, $event_id);             # arrayref, by attempt
  my $reqs = requests_for($recv, $event_id);         # receiver records for it

=head1 DESCRIPTION

Everything runs in the database C<postgres>, which is the database the
delivery worker is told to serve (C<booking_events.database_name>). A test
that serves another database sets C<$BookingEventsTest::DB> (C<local> it
around the calls).

=cut

package BookingEventsTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use WebhookReceiver;

our @EXPORT = qw(
  new_node start_receiver create_app_schema create_booking insert_event
  wait_for_status wait_for_outbox_count outbox_row outbox_rows log_rows outbox_summary_mismatches
  requests_for request_body request_json body_ids last_event_id
  pg_quote conf_line wait_for_worker worker_pid
  recorded_requests delivery_report check_nothing_lost wait_for_drain
  insert_many create_commit_trickle kill_worker refusing_port cpu_ticks log_since in_flight_at reload_settings
  booking_order_inversions
  poll_within app_triggers_sql node_with_receiver
  endpoints_node endpoint_set sql_text_array path_requests full_path_requests worst_window
  standard_webhooks_signature key_of_secret payload_texts batch_parts
  expected_batch_body delivery_rows endpoint_status log_hides_secrets
  log_everything_conf
);

# The database the helpers run their SQL in.
our $DB = 'postgres';

=pod

=head1 FUNCTIONS

=over

=item pg_quote($value)

A single-quoted SQL / postgresql.conf literal.

=item conf_line($name, $value)

C<booking_events.NAME = 'VALUE'> (a name with a dot is kept as it is).

=cut

sub pg_quote
{
	my ($value) = @_;
	$value =~ s/'/''/g;
	return "'$value'";
}

sub conf_line
{
	my ($name, $value) = @_;
	$name = "booking_events.$name" unless $name =~ /\./;
	return "$name = " . pg_quote($value) . "\n";
}

=pod

=item new_node($name, %settings)

A new cluster with C<shared_preload_libraries = 'booking_events'> and
C<booking_events.database_name = 'postgres'>, plus one line per setting
(C<webhook_url =E<gt> ...> becomes C<booking_events.webhook_url = '...'>;
a name containing a dot, such as C<log_min_messages>, is used as it is).
C<extra_conf =E<gt> "name = value\n..."> is appended as it is (for core
settings without a dot, such as C<restart_after_crash>).
Started unless C<no_start =E<gt> 1> is given.

=cut

sub new_node
{
	my ($name, %settings) = @_;
	my $no_start = delete $settings{no_start};
	my $extra_conf = delete $settings{extra_conf} // '';
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	my $conf = "shared_preload_libraries = 'booking_events'\n"
	  . "booking_events.database_name = 'postgres'\n";
	$conf .= conf_line($_, $settings{$_}) for sort keys %settings;
	$conf .= $extra_conf;
	$node->append_conf('postgresql.conf', $conf);
	$node->start unless $no_start;
	return $node;
}

=pod

=item start_receiver(%opts)

C<WebhookReceiver-E<gt>start(%opts)>; its log and record go to the test's
temporary directory.

=cut

sub start_receiver
{
	my (%opts) = @_;
	return WebhookReceiver->start(%opts);
}

=pod

=item node_with_receiver($name, %settings)

A receiver (options in C<receiver =E<gt> {...}>), a node with C<webhook_url>
at its C</hook> and the other C<%settings>, and the application schema.
Returns C<($node, $recv)>.

=cut

sub node_with_receiver
{
	my ($name, %settings) = @_;
	my $recv = start_receiver(%{ delete $settings{receiver} // {} });
	my $node = new_node($name, webhook_url => $recv->url('/hook'), %settings);
	create_app_schema($node);
	return ($node, $recv);
}

=pod

=back

The other helpers are in F<BookingEventsTest/>, one file per job, each
with its own POD: F<Schema.pm> (the test application), F<Waits.pm>,
F<Records.pm> (outbox, log and receiver records), F<ServerLog.pm>
(secrets in the server log), F<Faults.pm> (fault injection) and
F<Endpoints.pm> (several endpoints).

=cut

require BookingEventsTest::Schema;       # the test application, same package
require BookingEventsTest::Waits;        # polls for lasting conditions, same package
require BookingEventsTest::Records;      # outbox, log and receiver records, same package
require BookingEventsTest::ServerLog;    # secrets in the server log, same package
require BookingEventsTest::Faults;       # the fault-injection helpers, same package
require BookingEventsTest::Endpoints;    # the endpoint helpers (#11), same package

1;
