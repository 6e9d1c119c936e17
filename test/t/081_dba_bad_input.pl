# A DBA's day, the wrong ways (dba10): calls a tired DBA makes that used to
# do harm quietly, each now refused before it does any.
#  * test_webhook() in a read-only transaction (a standby,
#    default_transaction_read_only) sent its request and only then failed
#    to log it: the receiver got a test event the DBA was told had failed.
#  * manually_trigger_webhook() on the extension's own tables queued the
#    outbox row (its event_type and booking_id made it pass for a booking
#    event) or an endpoint's row, secrets and all.
#  * ALTER SYSTEM SET booking_events.database_name = '' was accepted: after
#    the restart no worker served any database.
#  * booking_events.ca_file naming no readable file: every https request
#    fails, and validate_webhook_config() said the settings were valid.
#  * a signing secret of spaces signed nothing, silently (an endpoint's,
#    the setting's).
#  * booking_events.bookings_table = '' silently dropped booking_details
#    (profiles_table: client_info, provider_info) from every event.
#  * webhook_endpoint_set(..., max_per_second => -1) said "*** must be
#    positive": the log redaction hid the parameter's name; and every
#    quoted example in the endpoint errors' guidance.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my ($node, $recv) = node_with_receiver('dba_bad_input', receiver => { quiet => 1 });
$node->safe_psql('postgres', q{
	CREATE ROLE webhook_admin LOGIN;
	SELECT booking_events_grant('webhook_admin', 'admin');
	SELECT webhook_endpoint_set('crm', 'http://127.0.0.1:1/crm', api_key => 'crm-key-never-sent');
});

# Runs $sql as $role; returns (exit code, stderr) with the SQLSTATE shown.
sub run_as
{
	my ($role, $sql) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql",
		extra_params => [ '-U', $role ]);
	return ($ret, $err);
}

# test_webhook() in a read-only transaction: refused, nothing sent.
for my $case (
	[ 'default_transaction_read_only', "SET default_transaction_read_only = on;\nSELECT * FROM test_webhook();" ],
	[ 'BEGIN READ ONLY', "BEGIN READ ONLY;\nSELECT * FROM test_webhook();\nROLLBACK;" ])
{
	my ($name, $sql) = @$case;
	my $before = $recv->count;
	my ($ret, $err) = run_as('webhook_admin', $sql);
	like($err, qr/ERROR:  25006: test_webhook\(\) cannot run in a read-only transaction/,
		"$name: test_webhook() is refused with 25006");
	like($err, qr/HINT:  Run it on the primary in a read-write transaction/,
		"$name: the hint says where to run it");
	is($recv->count, $before, "$name: no request reached the receiver");
}
# The same call read-write sends its one request (the count above can move).
my $before = $recv->count;
is($node->safe_psql('postgres', 'SELECT success FROM test_webhook()', extra_params => [ '-U', 'webhook_admin' ]),
	't', 'read-write: test_webhook() succeeds');
is($recv->count, $before + 1, 'read-write: its request reached the receiver');

# manually_trigger_webhook() on the extension's tables: refused, nothing queued.
$node->safe_psql('postgres', q{
	INSERT INTO booking_events (booking_id, event_type, description)
	VALUES ('c0000000-0000-4000-8000-000000000001', 'booking.created', 'dba');
});
my $outbox = $node->safe_psql('postgres', 'SELECT count(*) FROM webhook_outbox');
my $first_id = $node->safe_psql('postgres', 'SELECT min(id) FROM webhook_outbox');
for my $case ([ 'postgres', 'webhook_outbox', $first_id ], [ 'webhook_admin', 'webhook_outbox', $first_id ],
	[ 'postgres', 'webhook_endpoints', 'crm' ], [ 'postgres', 'webhook_logs', '1' ])
{
	my ($role, $table, $key) = @$case;
	my ($ret, $err) = run_as($role, "SELECT manually_trigger_webhook('$table', '$key');");
	like($err, qr/ERROR:  42809: "$table" is a table of booking_events, not of the application/,
		"manually_trigger_webhook('$table') as $role is refused with 42809");
	like($err, qr/HINT:  To send a failed event again, use retry_failed_webhooks\(\)/,
		"manually_trigger_webhook('$table') as $role: the hint names what to use");
}
is($node->safe_psql('postgres', 'SELECT count(*) FROM webhook_outbox'), $outbox,
	'manually_trigger_webhook() on its own tables queued nothing');
is($node->safe_psql('postgres', q{SELECT count(*) FROM webhook_outbox WHERE payload::text LIKE '%crm-key-never-sent%'}),
	'0', 'no endpoint secret in the outbox');
# The application's table still works.
ok($node->safe_psql('postgres',
	q{SELECT manually_trigger_webhook('booking_events', (SELECT min(id)::text FROM booking_events)) IS NOT NULL}) eq 't',
	'manually_trigger_webhook() on the application table still queues');

# An endpoint argument refused under named notation is named in the error
# (the log redaction hid it as ***: "*** must be positive"); its values and
# the secrets passed beside it stay hidden.
my ($ret, $err) = run_as('webhook_admin', q{SELECT webhook_endpoint_set('crm', 'http://127.0.0.1:1/crm',
	api_key => 'dba10-key-never-shown', max_per_second => -1);});
like($err, qr/ERROR:  22023: endpoint "\*\*\*": max_per_second must be positive/,
	'named notation: the refused argument is named');
($ret, $err) = run_as('webhook_admin', q{SELECT webhook_endpoint_set('crm', 'http://127.0.0.1:1/crm',
	api_key => 'dba10-key-never-shown', batch_max => 0);});
like($err, qr/ERROR:  22023: endpoint "\*\*\*": batch_max must be between 1 and 1000/,
	'named notation: batch_max is named');
unlike($err . slurp_file($node->logfile), qr/dba10-key-never-shown/,
	'the API key passed beside it is in neither the error nor the server log');

# The guidance in the endpoint errors reaches the client whole: it was
# quoted, and the redaction hid every quoted part ("use "***", a prefix like
# "***""; the hint for default lost its middle). What the DBA typed stays
# hidden wherever it appears (by value), so the inputs here differ from it.
($ret, $err) = run_as('webhook_admin', q{SELECT webhook_endpoint_set('crm', 'http://127.0.0.1:1/crm',
	event_types => '{"booking created"}');});
like($err, qr/a space is not allowed at position 8; use \* \(every event\), a prefix such as booking\.\* or an exact type such as booking\.created \(letters, digits, underscores, hyphens, colons, dollar signs and single dots\)/,
	'a refused pattern: the guidance is readable');
($ret, $err) = run_as('webhook_admin', q{SELECT webhook_endpoint_set('-crm', 'http://127.0.0.1:1/crm');});
like($err, qr/an endpoint name is 1 to 63 letters, digits, underscores, hyphens or dots, starting with a letter or a digit/,
	'a refused name: the rule is readable');
($ret, $err) = run_as('webhook_admin', q{SELECT webhook_endpoint_set('default', 'http://127.0.0.1:1/x');});
like($err, qr/ERROR:  22023: this endpoint is configured by the settings, not by webhook_endpoint_set\(\)/,
	'default: the error is whole');
like($err, qr/HINT:  Set booking_events.webhook_url \(and api_key, signing_secret\) in postgresql.conf and reload; webhook_endpoint_pause\(\) and webhook_endpoint_resume\(\) work on it too\./,
	'default: the hint is whole');

# A signing secret of spaces (a variable that expanded to nothing) signed
# nothing, silently: refused for an endpoint, an error of
# validate_webhook_config() for the setting.
($ret, $err) = run_as('webhook_admin', q{SELECT webhook_endpoint_set('crm', 'http://127.0.0.1:1/crm',
	signing_secret => '   ');});
like($err, qr/ERROR:  22023: endpoint "\*\*\*": signing_secret holds only white space \(NULL sends unsigned requests\)/,
	'an endpoint signing_secret of spaces is refused');
$node->safe_psql('postgres', q{ALTER SYSTEM SET booking_events.signing_secret = '   '; SELECT pg_reload_conf();});
$node->poll_query_until('postgres', q{SELECT current_setting('booking_events.signing_secret') = '   '})
  or die 'the reload never reached a new session';
like($node->safe_psql('postgres', q{SELECT is_valid || ' ' || array_to_string(errors, '|') FROM validate_webhook_config()}),
	qr/^false .*booking_events.signing_secret holds only white space: requests are not signed/,
	'a signing_secret setting of spaces is an error of validate_webhook_config()');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET booking_events.signing_secret; SELECT pg_reload_conf();});
$node->poll_query_until('postgres', q{SELECT current_setting('booking_events.signing_secret') = ''})
  or die 'the reload never reached a new session';

# ALTER SYSTEM SET booking_events.database_name = '': refused.
($ret, $err) = run_as('postgres', q{ALTER SYSTEM SET booking_events.database_name = '';});
like($err, qr/ERROR:  22023: invalid value for parameter "booking_events.database_name"/,
	"database_name = '' is refused with 22023");
like($err, qr/HINT:  Name the database whose events it delivers/, "database_name = '': the hint says what to do");
unlike(slurp_file($node->data_dir . '/postgresql.auto.conf'), qr/database_name/,
	"database_name = '' is not written to postgresql.auto.conf");
($ret, $err) = run_as('postgres', q{ALTER SYSTEM SET booking_events.database_name = 'app';
ALTER SYSTEM RESET booking_events.database_name;});
is($ret, 0, 'a database name is still accepted') or diag($err);

# booking_events.ca_file naming nothing readable: an error of validate_webhook_config().
is($node->safe_psql('postgres', 'SELECT is_valid FROM validate_webhook_config()'), 't',
	'valid before ca_file is set');
$node->safe_psql('postgres', q{ALTER SYSTEM SET booking_events.ca_file = '/nonexistent/dba10-ca.pem';
	SELECT pg_reload_conf();});
$node->poll_query_until('postgres',
	q{SELECT current_setting('booking_events.ca_file') = '/nonexistent/dba10-ca.pem'})
  or die 'the reload never reached a new session';
is($node->safe_psql('postgres',
	q{SELECT is_valid || ' ' || array_to_string(errors, '|') FROM validate_webhook_config()},
	extra_params => [ '-U', 'webhook_admin' ]),
	'false booking_events.ca_file "/nonexistent/dba10-ca.pem" cannot be read (No such file or directory): every https request fails',
	'an unreadable ca_file is an error, with the path and the reason');
$node->safe_psql('postgres', q{ALTER SYSTEM SET booking_events.ca_file = '/';
	SELECT pg_reload_conf();});
$node->poll_query_until('postgres', q{SELECT current_setting('booking_events.ca_file') = '/'})
  or die 'the reload never reached a new session';
like($node->safe_psql('postgres', q{SELECT array_to_string(errors, '|') FROM validate_webhook_config()}),
	qr/booking_events.ca_file "\/" cannot be read \(it is a directory\)/, 'a directory is named as one');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET booking_events.ca_file; SELECT pg_reload_conf();});
$node->poll_query_until('postgres', q{SELECT current_setting('booking_events.ca_file') = ''})
  or die 'the reload never reached a new session';
is($node->safe_psql('postgres', 'SELECT is_valid FROM validate_webhook_config()'), 't',
	'valid again once ca_file is reset');

# booking_events.bookings_table = '' (meant as "the default"): events go
# without booking_details; validate_webhook_config() says so.
for my $case ([ 'bookings_table', 'booking_details' ], [ 'profiles_table', 'client_info and provider_info' ])
{
	my ($setting, $part) = @$case;
	$node->safe_psql('postgres', qq{ALTER SYSTEM SET booking_events.$setting = ''; SELECT pg_reload_conf();});
	$node->poll_query_until('postgres', qq{SELECT current_setting('booking_events.$setting') = ''})
	  or die 'the reload never reached a new session';
	like($node->safe_psql('postgres', q{SELECT array_to_string(warnings, '|') FROM validate_webhook_config()}),
		qr/booking_events.$setting is empty: events go without $part \(RESET it for the default\)/,
		"$setting = '': a warning of validate_webhook_config() names what events lose");
	$node->safe_psql('postgres', qq{ALTER SYSTEM RESET booking_events.$setting; SELECT pg_reload_conf();});
	$node->poll_query_until('postgres', qq{SELECT current_setting('booking_events.$setting') <> ''})
	  or die 'the reload never reached a new session';
	unlike($node->safe_psql('postgres', q{SELECT array_to_string(warnings, '|') FROM validate_webhook_config()}),
		qr/is empty/, "$setting reset: no such warning");
}

$node->stop;
$recv->stop;
done_testing();
