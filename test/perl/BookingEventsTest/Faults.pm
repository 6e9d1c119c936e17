# The fault-injection half of BookingEventsTest: what crash, outage and
# concurrency tests need to prove that nothing was lost or sent twice. Part
# of package BookingEventsTest (loaded and exported by it); see its POD.
package BookingEventsTest;

use strict;
use warnings;

use Carp;
use JSON::PP;
use MIME::Base64 ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The database the helpers run their SQL in (set in BookingEventsTest.pm).
our $DB;

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

=item create_commit_trickle($node)

Creates the procedure C<commit_trickle(n, bookings, tag, pause,
event_type DEFAULT 'booking.trickle')>: C<n> events, each committed on its
own with C<pause> seconds between commits, over C<bookings> booking ids
derived from C<tag>, described C<'TAG #i'>. A session that commits one
event after another, as an application does at a steady rate.

=item kill_worker($node, $signal)

Sends C<$signal> (default C<KILL>) to the delivery worker; returns its pid.

=item refusing_port()

C<($port, $socket)>: a TCP port on 127.0.0.1 that refuses connections,
held by a socket that is bound but never listens. Keep C<$socket> while the
port is in use: a port merely closed again could be taken meanwhile by a
receiver of a test running in parallel.

=item cpu_ticks($pid)

CPU time (user + system, in clock ticks) a process has used so far, from
C</proc/PID/stat>: what it cost, however busy the machine was meanwhile.

=item log_since($node, $offset)

The server log from byte C<$offset> on.

=item in_flight_at(\@windows)

For check_nothing_lost's C<allow_duplicate>: a duplicate is fine when, for
each two successive requests of the event, some fault window C<[$t0, $t1]>
(epoch seconds taken just before and just after the fault; the array may
grow after the call) lies between them: the earlier request arrived before
the fault ended (0.5 s of slack: the receiver stamps a request when it
parses it), the later one after it began.

=item booking_order_inversions($node, $report)

The event ids (of a delivery_report) whose first arrival came after the
first arrival of a later event of the same booking (outbox id order): the
per-booking order broken. Resent copies are left out: a duplicate arrives
when its earlier copy already did.

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

sub create_commit_trickle
{
	my ($node) = @_;
	$node->safe_psql($DB, <<'SQL');
CREATE PROCEDURE commit_trickle(n int, bookings int, tag text, pause float8,
                                event_type text DEFAULT 'booking.trickle')
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. n LOOP
        INSERT INTO booking_events (booking_id, event_type, description)
        VALUES (md5(tag || (i % bookings))::uuid, event_type, tag || ' #' || i);
        COMMIT;
        PERFORM pg_sleep(pause);
    END LOOP;
END
$$;
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

sub refusing_port
{
	require IO::Socket::INET;
	my $socket = IO::Socket::INET->new(
		LocalAddr => '127.0.0.1',
		LocalPort => 0,
		Proto => 'tcp') or croak "cannot bind a port: $!";
	return ($socket->sockport, $socket);
}

sub cpu_ticks
{
	my ($pid) = @_;
	my $stat = PostgreSQL::Test::Utils::slurp_file("/proc/$pid/stat");
	$stat =~ s/^.*\) //s;    # after the command name, which may hold spaces
	my @fields = split / /, $stat;
	return $fields[11] + $fields[12];
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

sub booking_order_inversions
{
	my ($node, $report) = @_;
	my (%booking_of, %outbox_id);
	for my $row (split /\n/,
		$node->safe_psql($DB, "SELECT event_id, id, booking_id FROM webhook_outbox"))
	{
		my ($event_id, $id, $booking) = split /\|/, $row;
		$outbox_id{$event_id} = $id;
		$booking_of{$event_id} = $booking;
	}
	my (%seen, %last, @inversions);
	for my $r (sort { $a->{seq} <=> $b->{seq} } @{ $report->{requests} })
	{
		next if $seen{ $r->{id} }++;
		my $booking = $booking_of{ $r->{id} };
		next unless defined $booking && length $booking;
		push @inversions, $r->{id}
		  if defined $last{$booking} && $outbox_id{ $r->{id} } < $last{$booking};
		$last{$booking} = $outbox_id{ $r->{id} };
	}
	return @inversions;
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
