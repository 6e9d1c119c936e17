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

use Carp;
use Exporter 'import';
use File::Basename ();
use JSON::PP;
use MIME::Base64 ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use WebhookReceiver;

our @EXPORT = qw(
  new_node start_receiver create_app_schema create_booking insert_event
  wait_for_status wait_for_outbox_count outbox_row outbox_rows log_rows
  requests_for request_body request_json body_ids last_event_id
  pg_quote conf_line wait_for_worker worker_pid
  recorded_requests delivery_report check_nothing_lost wait_for_drain
  insert_many kill_worker refusing_port cpu_ticks log_since in_flight_at reload_settings
  poll_within app_triggers_sql node_with_receiver
  endpoints_node endpoint_set sql_text_array path_requests full_path_requests worst_window
  standard_webhooks_signature key_of_secret payload_texts batch_parts
  expected_batch_body delivery_rows endpoint_status log_hides_secrets
  log_everything_conf
);

# The database the helpers run their SQL in.
our $DB = 'postgres';

my $JSON = JSON::PP->new->utf8->canonical;

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

=item create_app_schema($node, %opts)

C<CREATE EXTENSION booking_events> (skipped with C<extension =E<gt> 0>; with
C<extension_schema =E<gt> 'hooks'>, into that new schema, which the
database's search_path then includes after C<public>), the
application tables C<profiles>, C<bookings>, C<booking_events> and the two
triggers of the contract, from F<test/fixtures/> (which the regress tests,
the demo and the benchmarks load too).

=item app_triggers_sql()

The contract's two C<CREATE TRIGGER> statements (F<test/fixtures/app_triggers.sql>).

=cut

sub fixture_sql
{
	my ($name) = @_;
	my $path = File::Basename::dirname(__FILE__) . "/../fixtures/$name";
	return PostgreSQL::Test::Utils::slurp_file($path);
}

sub app_triggers_sql { return fixture_sql('app_triggers.sql'); }

sub create_app_schema
{
	my ($node, %opts) = @_;
	my $sql = '';
	if (my $schema = $opts{extension_schema})
	{
		# As a DBA installs it: its own schema, found through search_path.
		$sql .= "CREATE SCHEMA $schema;\nCREATE EXTENSION booking_events SCHEMA $schema;\n"
		  . "ALTER DATABASE $DB SET search_path = public, $schema;\n"
		  . "SET search_path = public, $schema;\n";
	}
	elsif (!defined $opts{extension} || $opts{extension})
	{
		$sql .= "CREATE EXTENSION booking_events;\n";
	}
	$sql .= fixture_sql('app_schema.sql') . app_triggers_sql();
	$node->safe_psql($DB, $sql);
	return;
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

=item create_booking($node, %opts)

Inserts a client profile, a provider profile and a booking (status
C<pending> unless C<status> is given; no trigger fires on a bookings INSERT).
Returns a hashref: C<id>, C<booking_number>, C<client_id>, C<provider_id>,
C<status>, C<total_price>, C<client_name>, C<client_email>,
C<provider_name>, C<provider_email>, C<company_name>. Names may be given too.

=cut

my $booking_counter = 0;

sub create_booking
{
	my ($node, %opts) = @_;
	$booking_counter++;
	my %b = (
		booking_number => sprintf('BK-%05d', $booking_counter),
		status => 'pending',
		total_price => '149.90',
		client_name => "Client $booking_counter",
		client_email => "client$booking_counter\@example.com",
		provider_name => "Provider $booking_counter",
		provider_email => "provider$booking_counter\@example.com",
		company_name => "Provider Co $booking_counter",
		%opts);
	my $ids = $node->safe_psql($DB,
		'SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid()');
	@b{qw(id client_id provider_id)} = split /\|/, $ids;
	my $q = \&pg_quote;
	$node->safe_psql($DB, sprintf(<<'SQL',
INSERT INTO profiles (id, full_name, email, company_name) VALUES
    (%s, %s, %s, NULL),
    (%s, %s, %s, %s);
INSERT INTO bookings (id, booking_number, client_id, provider_id, status, total_price)
    VALUES (%s, %s, %s, %s, %s, %s);
SQL
		$q->($b{client_id}), $q->($b{client_name}), $q->($b{client_email}),
		$q->($b{provider_id}), $q->($b{provider_name}), $q->($b{provider_email}),
		$q->($b{company_name}),
		$q->($b{id}), $q->($b{booking_number}), $q->($b{client_id}),
		$q->($b{provider_id}), $q->($b{status}), $b{total_price}));
	return \%b;
}

=pod

=item insert_event($node, $booking_id, $event_type, $description, %opts)

Inserts a row into C<booking_events> (as superuser, or as C<user> via
C<-U>), and returns the C<event_id> of the outbox row its trigger wrote (the
newest one). C<user_id> may be given.

=item last_event_id($node)

The event_id of the newest outbox row.

=cut

sub insert_event
{
	my ($node, $booking_id, $event_type, $description, %opts) = @_;
	my $sql = sprintf(
		'INSERT INTO booking_events (booking_id, event_type, description, user_id) '
		  . 'VALUES (%s, %s, %s, %s)',
		pg_quote($booking_id),
		defined $event_type ? pg_quote($event_type) : 'NULL',
		defined $description ? pg_quote($description) : 'NULL',
		defined $opts{user_id} ? pg_quote($opts{user_id}) : 'NULL');
	my @extra = $opts{user} ? (extra_params => [ '-U', $opts{user} ]) : ();
	$node->safe_psql($DB, $sql, @extra);
	return last_event_id($node);
}

sub last_event_id
{
	my ($node) = @_;
	return $node->safe_psql($DB,
		'SELECT event_id FROM webhook_outbox ORDER BY id DESC LIMIT 1');
}

=pod

=item wait_for_status($node, $event_id, $status, $test_name)

Polls until the outbox row of C<$event_id> has that status; one C<ok>.

=item wait_for_outbox_count($node, $where, $n, $test_name)

Polls until C<count(*) FROM webhook_outbox WHERE $where> reaches C<$n> (at
least C<$n>: a condition that stays true once reached, so that later work
cannot make the wait miss it); one C<ok>. A test that needs the exact number
asserts it afterwards.

=cut

sub wait_for_status
{
	my ($node, $event_id, $status, $name) = @_;
	$name //= 'event ' . ($event_id // 'undef') . " becomes $status";
	# No event to wait for (the trigger failed): fail now, not after a timeout.
	if (!defined $event_id || $event_id !~ /^[0-9a-f-]{36}$/)
	{
		fail($name);
		diag('no event id: ' . ($event_id // 'undef'));
		return 0;
	}
	my $ok = $node->poll_query_until($DB,
		sprintf('SELECT status = %s FROM webhook_outbox WHERE event_id = %s',
			pg_quote($status), pg_quote($event_id)));
	ok($ok, $name) or diag(explain(outbox_row($node, $event_id)));
	return $ok;
}

sub wait_for_outbox_count
{
	my ($node, $where, $n, $name) = @_;
	$name //= "$n outbox rows where $where";
	my $ok = $node->poll_query_until($DB,
		"SELECT count(*) >= $n FROM webhook_outbox WHERE $where");
	ok($ok, $name);
	return $ok;
}

=pod

=item wait_for_worker($node, $other_than)

Polls until one delivery worker shows in pg_stat_activity (one whose pid is
not C<$other_than>, when given: right after a kill the dead worker may still
be listed); returns its pid, or undef after the timeout.

=cut

sub wait_for_worker
{
	my ($node, $other_than) = @_;
	my $filter = "backend_type = 'booking_events worker'";
	$filter .= " AND pid <> $other_than" if defined $other_than;
	$node->poll_query_until($DB, "SELECT count(*) = 1 FROM pg_stat_activity WHERE $filter")
	  or return undef;
	return $node->safe_psql($DB, "SELECT pid FROM pg_stat_activity WHERE $filter");
}

sub worker_pid
{
	my ($node) = @_;
	return $node->safe_psql($DB,
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'booking_events worker'"
	);
}

=pod

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

=pod

=over

=item log_everything_conf()

postgresql.conf lines that make the server log every statement, its
parameters, errors with their statement and context, and (auto_explain)
every nested statement's plan: what a secret must not leak through.

=item log_hides_secrets($log, \@secrets)

For each C<[label, value]>: one test each that C<$log> contains neither the
value nor its first nor its last 12 characters (a partly redacted value
leaks too); the neighbourhood of a find is shown.

=back

=cut

sub log_everything_conf
{
	return <<'CONF';
log_statement = all
log_min_duration_statement = 0
log_min_error_statement = info
log_parameter_max_length = -1
log_parameter_max_length_on_error = -1
log_error_verbosity = verbose
session_preload_libraries = 'auto_explain'
auto_explain.log_min_duration = 0
auto_explain.log_nested_statements = on
auto_explain.log_verbose = on
CONF
}

sub log_hides_secrets
{
	my ($log, $secrets) = @_;
	for my $secret (@$secrets)
	{
		my ($label, $value) = @$secret;
		my %pieces = (
			'value' => $value,
			'first 12 characters' => substr($value, 0, 12),
			'last 12 characters' => substr($value, -12));
		for my $piece (sort keys %pieces)
		{
			my $at = index($log, $pieces{$piece});
			ok($at < 0, "$label: the log does not contain the $piece")
			  or diag(substr($log, $at < 300 ? 0 : $at - 300, 600));
		}
	}
	return;
}

require BookingEventsTest::Faults;    # the fault-injection helpers, same package
require BookingEventsTest::Endpoints;    # the endpoint helpers (#11), same package

1;
