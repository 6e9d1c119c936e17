# The test application of BookingEventsTest: its schema from test/fixtures/
# (shared with the regress tests, the demo and the benchmarks), bookings and
# the events their rows write. Part of package BookingEventsTest (loaded and
# exported by it); see its POD.
package BookingEventsTest;

use strict;
use warnings;

use File::Basename ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The database the helpers run their SQL in (set in BookingEventsTest.pm).
our $DB;

=pod

=head2 The test application

=over

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
	my $path = File::Basename::dirname(__FILE__) . "/../../fixtures/$name";
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

=back

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

1;
