# Awkward rows: a 1 MB description, characters from every Unicode plane and
# JSON's troublemakers, NULL ids, tables without booking_id (or without any
# id), booking and user ids too long for a notification channel name, and
# values JSON has no literal for. Each user INSERT / UPDATE / DELETE
# succeeds, its event is queued and delivered, and the body is the exact
# bytes of the stored payload, carrying the exact text of the row.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;
use BookingEventsTest;

my $JSON = JSON::PP->new->utf8;
my ($node, $recv) = node_with_receiver('bad_input',
	receiver => { quiet => 1 },
	backoff_base_ms => 100,
	backoff_max_ms => 1000);
my $b = create_booking($node);

# Runs $sql (which must succeed: the user's statement), then returns the
# event_ids of the outbox rows it added.
sub queued_by
{
	my ($name, $sql) = @_;
	my $before = $node->safe_psql('postgres', 'SELECT coalesce(max(id), 0) FROM webhook_outbox');
	my ($ret, $out, $err) = $node->psql('postgres', $sql);
	is($ret, 0, "$name: the user's statement succeeds") or diag($err);
	my @ids = split /\n/, $node->safe_psql('postgres',
		"SELECT event_id FROM webhook_outbox WHERE id > $before ORDER BY id");
	ok(@ids > 0, "$name: an event is queued");
	return @ids;
}

sub utf8_bytes
{
	my ($text) = @_;
	utf8::encode($text);
	return $text;
}

# --- a 1 MB description with multi-byte characters and escapes -----------------------
my @big = queued_by('1 MB description', <<'SQL');
INSERT INTO booking_events (booking_id, event_type, description)
SELECT id, 'booking.big',
       repeat('a"\' || chr(233) || chr(8364) || chr(128512) || E'\n\t' || chr(1), 87382)
FROM bookings LIMIT 1;
SQL
is( $node->safe_psql('postgres',
		"SELECT octet_length(description) >= 1048576 FROM booking_events WHERE event_type = 'booking.big'"),
	't', 'the description is at least 1 MB');

# --- every Unicode plane, and characters JSON and JavaScript trip on ----------------------
my $unicode = join('',
	"plain ASCII ",
	"\x{80}\x{7FF}",           # two-byte range ends
	"\x{800}\x{FFFD}\x{FFFF}",    # three bytes, incl. a noncharacter
	"\x{10000}\x{1F600}\x{10FFFF}",    # four bytes, incl. the last code point
	"\x{2028}\x{2029}\x{FEFF}",        # JS line separators, BOM
	"\x01\x1F\x7F\t\r\n",              # control characters
	q{"quoted" \\backslash\\ \\u0000 </script> },
	"\x{E9}\x{301} combining, \x{5D0}\x{5D1} RTL");
my $unicode_bytes = utf8_bytes($unicode);
my @uni = queued_by('Unicode', sprintf(
		'INSERT INTO booking_events (booking_id, event_type, description, user_id) '
		  . "VALUES ('%s', %s, %s, NULL)",
		$b->{id}, pg_quote(utf8_bytes("booking.\x{1F4C5}.unicode")), pg_quote($unicode_bytes)));

# --- NULL ids and a NULL event type ---------------------------------------------------------
my @nulls = queued_by('NULL ids', <<'SQL');
INSERT INTO booking_events (booking_id, event_type, description, user_id)
    VALUES (NULL, NULL, NULL, NULL);
SQL
is( $node->safe_psql('postgres',
		"SELECT coalesce(booking_id, '<null>') || '|' || event_type FROM webhook_outbox "
		  . "WHERE event_id = '$nulls[0]'"),
	'<null>|booking_event.created', 'NULL ids: no booking_id, the default event type');

# --- tables without booking_id, or without any id or primary key ------------------------------
$node->safe_psql('postgres', <<'SQL');
CREATE TABLE notes (id serial PRIMARY KEY, body text);
CREATE TABLE raw_log (msg text, at timestamptz);
CREATE TRIGGER notes_webhook AFTER INSERT OR UPDATE OR DELETE ON notes
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
CREATE TRIGGER raw_log_webhook AFTER INSERT ON raw_log
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
SQL
my @notes = queued_by('table without booking_id', <<'SQL');
INSERT INTO notes (body) VALUES ('a note');
UPDATE notes SET body = 'an edited note';
DELETE FROM notes;
SQL
is( $node->safe_psql('postgres',
		"SELECT string_agg(event_type || ':' || coalesce(booking_id, '<null>'), ',' ORDER BY id) "
		  . "FROM webhook_outbox WHERE event_type LIKE 'notes.%'"),
	'notes.inserted:<null>,notes.updated:<null>,notes.deleted:<null>',
	'notes: inserted, updated, deleted, without a booking_id');
my @raw = queued_by('table without id or primary key',
	"INSERT INTO raw_log VALUES ('no id at all', 'infinity')");

# --- ids longer than a channel name (63 bytes) ----------------------------------------------------
$node->safe_psql('postgres', <<'SQL');
CREATE TABLE wide_events (
    id serial PRIMARY KEY, booking_id text, user_id text, event_type text, description text);
CREATE TRIGGER wide_events_webhook AFTER INSERT ON wide_events
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
SQL
my $long_booking = 'b' x 200;
my $long_user = utf8_bytes("\x{20AC}" x 30 . ':"user"');    # 90+ bytes, fewer characters
my @long = queued_by('ids longer than a channel name', sprintf(
		'INSERT INTO wide_events (booking_id, user_id, event_type, description) '
		  . "VALUES (%s, %s, %s, 'long ids')",
		pg_quote($long_booking), pg_quote($long_user), pg_quote('wide.' . ('t' x 10000))));
is($node->safe_psql('postgres', "SELECT booking_id FROM webhook_outbox WHERE event_id = '$long[0]'"),
	$long_booking, 'the 200-character booking_id is kept whole in the outbox');

# --- values JSON has no literal for ---------------------------------------------------------------------
$node->safe_psql('postgres', <<'SQL');
CREATE TABLE odd_values (
    id int PRIMARY KEY, booking_id uuid, f float8, r real, n numeric, t timestamptz, d date,
    bin bytea, arr text[], j jsonb, big numeric, iv interval);
CREATE TRIGGER odd_values_webhook AFTER INSERT OR UPDATE ON odd_values
    FOR EACH ROW EXECUTE FUNCTION trigger_booking_event_webhook();
SQL
my @odd = queued_by('Infinity, NaN, infinity dates, bytea with NUL', <<'SQL');
INSERT INTO odd_values VALUES
    (1, NULL, 'Infinity', '-Infinity', 'NaN', 'infinity', '-infinity',
     '\x00ff00', ARRAY['a', NULL, '"q"'], '{"k": "\u00e9", "n": null}',
     123456789012345678901234567890.123456789, '1 year 2 mons -3 days'),
    (2, NULL, 'NaN', 'NaN', '-0', '-infinity', 'infinity', '', '{}', '[]', 0, '0');
UPDATE odd_values SET f = '-Infinity' WHERE id = 2;
SQL
is(scalar @odd, 3, 'odd values: three events');

# --- all of it delivered, byte for byte -----------------------------------------------------------
wait_for_drain($node, 'every awkward event is delivered');
# At least once: a request the receiver answers after the request timeout
# is sent again, and on a busy machine it can be that slow (the 1 MB body).
# So an event may arrive twice, but only when the worker logged a timed-out
# attempt for each extra request.
sub timed_out_attempts
{
	my ($id) = @_;
	return scalar grep { ($_->{error} // '') =~ /^timed out after / } @{ log_rows($node, $id) };
}
my $report = check_nothing_lost($node, [$recv], 'bad input',
	check_payload => 1,
	max_duplicates => 1000,    # any number, each one explained:
	allow_duplicate => sub {
		my ($id, $requests) = @_;
		return timed_out_attempts($id) >= @$requests - 1;
	});

sub body_json
{
	my ($id) = @_;
	my $reqs = $report->{by_id}{$id} or return undef;
	return $JSON->decode(MIME::Base64::decode_base64($reqs->[0]{body_b64}));
}

my @all = (@big, @uni, @nulls, @notes, @raw, @long, @odd);
is(scalar(grep { utf8::decode(my $copy = MIME::Base64::decode_base64($_->{body_b64})) }
		  @{ $report->{requests} }),
	scalar @{ $report->{requests} }, 'every body is valid UTF-8');

is( $node->safe_psql('postgres', <<"SQL"),
SELECT bool_and(o.payload->'booking_event'->>'description' = e.description)
FROM webhook_outbox o JOIN booking_events e ON e.event_type = 'booking.big'
WHERE o.event_id = '$big[0]'
SQL
	't', '1 MB description: the payload carries it exactly (and the body is the payload)');

my $uj = body_json($uni[0]);
ok(utf8_bytes($uj->{booking_event}{description} // '') eq $unicode_bytes,
	'Unicode: the description arrives exactly');
is(utf8_bytes($uj->{event_type}), utf8_bytes("booking.\x{1F4C5}.unicode"), 'Unicode: event type');

my $nj = body_json($nulls[0]);
ok(!defined $nj->{booking_event}{booking_id}, 'NULL ids: booking_id is null or absent');
ok(!exists $nj->{booking_details}, 'NULL ids: no booking_details');

my $lj = body_json($long[0]);
is($lj->{booking_event}{booking_id}, $long_booking, 'long booking id arrives whole');
is(utf8_bytes($lj->{booking_event}{record}{user_id}), $long_user, 'long user id arrives whole');

my $oj = body_json($odd[0]);
note('odd values record: ' . JSON::PP->new->canonical->encode($oj->{booking_event}{record}));
is(ref $oj->{booking_event}{record}, 'HASH', 'odd values: the record is a JSON object');
my $rec = $oj->{booking_event}{record} // {};
is_deeply([ @$rec{qw(f r n t d bin big)} ],
	[ 'Infinity', '-Infinity', 'NaN', 'infinity', '-infinity', '\\x00ff00',
	  '123456789012345678901234567890.123456789' ],
	'odd values: non-finite numbers and dates as text, bytea as hex, a long numeric unrounded');
is_deeply($rec->{j}, { k => "\x{e9}", n => undef }, 'odd values: jsonb nested as JSON');

unlike(slurp_file($node->logfile), qr/TRAP:|terminated by signal|was terminated/, 'no crash');

$node->stop;
$recv->stop;
done_testing();
