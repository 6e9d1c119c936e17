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
  insert_many kill_worker free_port log_since in_flight_at reload_settings
  poll_within app_triggers_sql node_with_receiver
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

C<CREATE EXTENSION booking_events> (skipped with C<extension =E<gt> 0>), the
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
	open(my $fh, '<', $path) or croak "cannot read $path: $!";
	local $/;
	my $sql = <$fh>;
	close $fh;
	return $sql;
}

sub app_triggers_sql { return fixture_sql('app_triggers.sql'); }

sub create_app_schema
{
	my ($node, %opts) = @_;
	my $sql = '';
	$sql .= "CREATE EXTENSION booking_events;\n"
	  unless defined $opts{extension} && !$opts{extension};
	$sql .= fixture_sql('app_schema.sql') . app_triggers_sql();
	$node->safe_psql($DB, $sql);
	return;
}

=pod

=item node_with_receiver($name, %settings)

The usual start of a delivery test: a receiver (started with the options in
C<receiver =E<gt> {...}>), a node whose C<webhook_url> points at its
C</hook>, with the other C<%settings>, and the application schema. Returns
C<($node, $recv)>.

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

=head2 Fault-injection helpers

=over

=item recorded_requests($recv, since => $seq)

Every request the receiver recorded since its last reset, oldest first, as
light hashrefs: C<seq>, C<time>, C<id> (the C<webhook-id> header, C<''>
without one), C<status> (C<undef> when no answer was given; a stalled
request shows the status it would have had), C<mode>, C<delay_ms> (the
receiver's stall), C<path>, C<body_b64>. Read straight from the receiver's JSONL record with
regular expressions instead of the control API: decoding tens of megabytes
of JSON with JSON::PP takes far longer than the tests themselves.

=cut

sub recorded_requests
{
	my ($recv, %opts) = @_;
	my $since = $opts{since} // 0;
	my @requests;
	open(my $fh, '<', $recv->record_file)
	  or croak 'cannot read ' . $recv->record_file . ": $!";
	while (my $line = <$fh>)
	{
		next unless $line =~ /\}\s*$/;    # a torn last line
		if ($line =~ /^\{"reset": true/)
		{
			@requests = ();
			next;
		}
		my ($seq) = $line =~ /^\{"seq": (\d+)/ or next;
		next if $seq <= $since;
		# Keys quoted inside the body string are preceded by a backslash.
		my ($time) = $line =~ /(?<!\\)"time": ([0-9.eE+-]+)/;
		my ($path) = $line =~ /(?<!\\)"path": "((?:[^"\\]|\\.)*)"/;
		my ($id) = $line =~ /(?<!\\)"webhook-id": "((?:[^"\\]|\\.)*)"/;
		my ($b64) = $line =~ /(?<!\\)"body_b64": "([A-Za-z0-9+\/=]*)"/;
		my ($status) = $line =~ /(?<!\\)"status": (null|\d+)/;
		my ($mode) = $line =~ /(?<!\\)"mode": "(\w+)"/;
		my ($delay) = $line =~ /(?<!\\)"delay_ms": ([0-9.eE+-]+)/;
		push @requests,
		  {
			seq => $seq,
			time => $time,
			path => $path,
			id => $id // '',
			body_b64 => $b64 // '',
			status => (defined $status && $status ne 'null') ? $status : undef,
			mode => $mode,
			delay_ms => $delay // 0,
		  };
	}
	close $fh;
	return \@requests;
}

=pod

=item delivery_report($node, \@receivers, %opts)

Compares the outbox with what the receivers recorded. C<where> restricts
the outbox rows that count as committed events (default: all).
Returns a hashref:

  committed     arrayref of event_ids in the outbox (by id)
  requests      arrayref of all recorded requests (recorded_requests)
  by_id         { event_id => [requests] }
  accepted      { event_id => number of requests answered 2xx }
  missing       event_ids of the outbox that no receiver answered 2xx
  unknown       webhook-ids a receiver saw that are not in the outbox at all
  duplicates    { event_id => [requests] } for events answered 2xx more than once
  body_mismatch event_ids whose requests do not all carry the same bytes
  payload_mismatch  (with check_payload => 1) event_ids whose body is not
                the bytes of webhook_outbox.payload::text

=cut

sub delivery_report
{
	my ($node, $receivers, %opts) = @_;
	my $where = $opts{where} // 'true';
	my @committed = split /\n/,
	  $node->safe_psql($DB,
		"SELECT event_id FROM webhook_outbox WHERE $where ORDER BY id");
	my %in_outbox = map { $_ => 1 } split /\n/,
	  $node->safe_psql($DB, 'SELECT event_id FROM webhook_outbox');
	my @requests = map { @{ recorded_requests($_) } } @$receivers;
	my (%by_id, %accepted);
	for my $r (@requests)
	{
		push @{ $by_id{ $r->{id} } }, $r;
		$accepted{ $r->{id} }++
		  if defined $r->{status} && $r->{status} >= 200 && $r->{status} < 300;
	}
	my %report = (
		committed => \@committed,
		requests => \@requests,
		by_id => \%by_id,
		accepted => \%accepted,
		missing => [ grep { !$accepted{$_} } @committed ],
		unknown => [ sort grep { !$in_outbox{$_} } keys %by_id ],
		duplicates => {
			map { $_ => $by_id{$_} }
			grep { ($accepted{$_} // 0) > 1 } keys %by_id
		},
		body_mismatch => [
			sort grep {
				my $first = $by_id{$_}[0]{body_b64};
				grep { $_->{body_b64} ne $first } @{ $by_id{$_} }
			} keys %by_id
		],
	);
	if ($opts{check_payload})
	{
		require Digest::MD5;
		my %md5 = map { split / / } split /\n/,
		  $node->safe_psql($DB,
			"SELECT event_id || ' ' || md5(payload::text) FROM webhook_outbox WHERE $where");
		$report{payload_mismatch} = [
			grep {
				my $reqs = $by_id{$_};
				!$reqs || Digest::MD5::md5_hex(
					MIME::Base64::decode_base64($reqs->[0]{body_b64})) ne ($md5{$_} // '')
			} @committed
		];
	}
	return \%report;
}

=pod

=item check_nothing_lost($node, \@receivers, $name, %opts)

The promise, as tests (each named C<"$name: ...">): every committed event
(C<where> as for delivery_report) was answered 2xx by a receiver, no
receiver saw an event id that is not in the outbox, every request of an
event carried the same bytes, and at most C<max_duplicates> (default 0)
events arrived more than once with a 2xx; with C<allow_duplicate =E<gt> sub
{ my ($event_id, $requests) = @_; ... }>, each duplicate must satisfy it
too. C<check_payload =E<gt> 1> also compares each body with the stored
payload. Returns the report.

=cut

sub check_nothing_lost
{
	my ($node, $receivers, $name, %opts) = @_;
	my $report = delivery_report($node, $receivers, %opts);
	my $n = scalar @{ $report->{committed} };
	my $missing = $report->{missing};
	ok(@$missing == 0, "$name: all $n committed events reached the receiver")
	  or diag(scalar(@$missing) . " missing, e.g.:\n"
		  . join("\n", map { explain(outbox_row($node, $_)) } @$missing[ 0 .. ($#$missing > 4 ? 4 : $#$missing) ]));
	my $unknown = $report->{unknown};
	ok(@$unknown == 0, "$name: the receiver saw no event id that is not in the outbox")
	  or diag("unknown ids: @$unknown[0 .. ($#$unknown > 9 ? 9 : $#$unknown)]");
	my @dups = sort keys %{ $report->{duplicates} };
	my $max = $opts{max_duplicates} // 0;
	note("$name: $n events, " . scalar(@{ $report->{requests} }) . ' requests, '
		  . scalar(@dups) . ' delivered more than once');
	cmp_ok(scalar @dups, '<=', $max, "$name: at most $max events delivered twice")
	  or diag('duplicates: ' . join(', ', @dups[ 0 .. ($#dups > 9 ? 9 : $#dups) ]));
	if ($opts{allow_duplicate})
	{
		my @bad = grep { !$opts{allow_duplicate}->($_, $report->{duplicates}{$_}) } @dups;
		ok(@bad == 0, "$name: every duplicate was in flight when the fault struck")
		  or diag(explain({ map { $_ => $report->{duplicates}{$_} } @bad[ 0 .. ($#bad > 4 ? 4 : $#bad) ] }));
	}
	ok(@{ $report->{body_mismatch} } == 0,
		"$name: every request of an event carried the same body bytes")
	  or diag("differing bodies: @{ $report->{body_mismatch} }");
	if ($opts{check_payload})
	{
		my $pm = $report->{payload_mismatch};
		ok(@$pm == 0, "$name: every body is byte-identical to the stored payload")
		  or diag(scalar(@$pm) . " differ, e.g. $pm->[0]");
	}
	return $report;
}

=pod

=item wait_for_drain($node, $name, %opts)

Polls until no outbox row (C<where>, default all) is C<pending>; one C<ok>.

=item insert_many($node, $n, %opts)

Inserts C<$n> booking_events rows in one statement, spread over C<bookings>
(default 100) booking ids derived from C<tag> (default C<'bulk'>), with
event type C<event_type> (default C<bulk.event>).

=item kill_worker($node, $signal)

Sends C<$signal> (default C<KILL>) to the delivery worker; returns its pid.

=item free_port()

A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).

=item log_since($node, $offset)

The server log from byte C<$offset> on.

=item in_flight_at(\@windows)

For check_nothing_lost's C<allow_duplicate>: a duplicate is fine when, for
each two successive requests of the event, some fault window C<[$t0, $t1]>
(epoch seconds taken just before and just after the fault; the array may
grow after the call) lies between them: the earlier request arrived before
the fault ended (0.5 s of slack: the receiver stamps a request when it
parses it), the later one after it began.

=item reload_settings($node, name =E<gt> value, ...)

C<ALTER SYSTEM SET booking_events.NAME> for each pair, then a reload. When
C<webhook_url> is among them, waits until the worker logs that it has read
it (C<delivering to> or C<delivery is paused>; the worker logs only a change
of URL, so give a different one, e.g. another path, to be sure the rest has
been read too).

=item poll_within($node, $seconds, $sql, $expected)

C<poll_query_until> with its timeout cut to C<$seconds>, for a wait that
must end soon: a failure then costs seconds, not the suite's three-minute
default. C<$expected> defaults to C<t>.

=back

=cut

sub wait_for_drain
{
	my ($node, $name, %opts) = @_;
	my $where = $opts{where} // 'true';
	my $ok = $node->poll_query_until($DB,
		"SELECT count(*) FROM webhook_outbox WHERE status = 'pending' AND ($where)", '0');
	ok($ok, $name)
	  or diag($node->safe_psql($DB,
		  "SELECT status, count(*), max(attempts) FROM webhook_outbox GROUP BY 1"));
	return $ok;
}

sub insert_many
{
	my ($node, $n, %opts) = @_;
	my $bookings = $opts{bookings} // 100;
	my $tag = $opts{tag} // 'bulk';
	my $type = $opts{event_type} // 'bulk.event';
	$node->safe_psql($DB, sprintf(<<'SQL', pg_quote($tag), $bookings, pg_quote($type), pg_quote($tag), $n));
INSERT INTO booking_events (booking_id, event_type, description)
SELECT md5(%s || (g %% %d))::uuid, %s, %s || ' #' || g
FROM generate_series(1, %d) g
SQL
	return;
}

sub kill_worker
{
	my ($node, $signal) = @_;
	my $pid = worker_pid($node);
	croak 'no delivery worker to kill' unless $pid =~ /^\d+$/;
	kill($signal // 'KILL', $pid) or croak "kill $pid: $!";
	return $pid;
}

sub free_port
{
	require IO::Socket::INET;
	my $socket = IO::Socket::INET->new(
		LocalAddr => '127.0.0.1',
		LocalPort => 0,
		Proto => 'tcp',
		Listen => 1) or croak "cannot bind a port: $!";
	my $port = $socket->sockport;
	close $socket;
	return $port;
}

sub log_since
{
	my ($node, $offset) = @_;
	return PostgreSQL::Test::Utils::slurp_file($node->logfile, $offset // 0);
}

sub in_flight_at
{
	my ($windows) = @_;
	return sub {
		my ($event_id, $requests) = @_;
		my @reqs = sort { $a->{seq} <=> $b->{seq} } @$requests;
		for my $i (0 .. $#reqs - 1)
		{
			my ($earlier, $later) = @reqs[ $i, $i + 1 ];
			return 0
			  unless grep { $earlier->{time} <= $_->[1] + 0.5 && $later->{time} >= $_->[0] }
			  @$windows;
		}
		return 1;
	};
}

sub reload_settings
{
	my ($node, @pairs) = @_;
	my %settings = @pairs;
	my $offset = -s $node->logfile;
	while (my ($name, $value) = splice(@pairs, 0, 2))
	{
		$name = "booking_events.$name" unless $name =~ /\./;
		$node->safe_psql($DB, "ALTER SYSTEM SET $name = " . pg_quote($value));
	}
	$node->reload;
	$node->wait_for_log(
		qr/booking_events worker(?: delivering to|: webhook_url is empty)/, $offset)
	  if exists $settings{webhook_url};
	return;
}

sub poll_within
{
	my ($node, $seconds, $sql, $expected) = @_;
	no warnings 'once';
	local $PostgreSQL::Test::Utils::timeout_default = $seconds;
	return $node->poll_query_until($DB, $sql, $expected // 't');
}

1;
