# Secret settings never reach the server log, however the statement that
# sets them is written: every quoting form, comments inside names, SET in a
# function body, set_config() with literal and bound parameters, ALTER
# ROLE/DATABASE, pg_settings, values the check hook rejects, PostgreSQL's own
# "changed to" and "invalid value" messages. Each form carries a value of its
# own; at the end the whole log is searched for every value and for pieces of
# it. Every log setting that prints statements, parameters or contexts is on.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use Digest::MD5 qw(md5_hex);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $node = new_node(
	'log_redaction',
	no_start => 1,
	extra_conf => <<'CONF');
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
$node->start;

# One value per form: 'Zq', the form's number, then hex, so that the first and
# the last 12 characters of each are unique in the log too.
my @secrets;    # [label, value]

sub secret
{
	my ($label) = @_;
	my $value = sprintf('Zq%02d', scalar(@secrets) + 1) . substr(md5_hex($label), 0, 20);
	push @secrets, [ $label, $value ];
	return $value;
}

my $auto_conf = $node->data_dir . '/postgresql.auto.conf';

# Runs SQL that may fail (most forms are refused: api_key is reloadable only).
sub run_sql
{
	my ($sql) = @_;
	my ($ret, $stdout, $stderr) = $node->psql('postgres', $sql);
	return $stderr;
}

# An ALTER SYSTEM form: it must really set the value (or the test proves nothing).
sub alter_system_form
{
	my ($label, $statement_for) = @_;
	my $value = secret($label);
	my $stderr = run_sql($statement_for->($value));
	my $written = slurp_file($auto_conf);
	ok(index($written, $value) >= 0, "$label: ALTER SYSTEM set the value")
	  or diag($stderr);
	unlike($stderr, qr/\Q$value\E/, "$label: the client's error text does not show it");
	return;
}

alter_system_form('dollar quotes', sub { "ALTER SYSTEM SET booking_events.api_key = \$\$$_[0]\$\$" });
alter_system_form('tagged dollar quotes',
	sub { "ALTER SYSTEM SET booking_events.api_key = \$tag\$$_[0]\$tag\$" });
alter_system_form('quoted identifiers',
	sub { "ALTER SYSTEM SET \"booking_events\".\"api_key\" = '$_[0]'" });
alter_system_form('upper-case quoted identifiers',
	sub { "ALTER SYSTEM SET \"BOOKING_EVENTS\".\"API_KEY\" = '$_[0]'" });
alter_system_form('U& string', sub { "ALTER SYSTEM SET booking_events.api_key = U&'$_[0]'" });
alter_system_form('U& identifier',
	sub { "ALTER SYSTEM SET U&\"booking_events\".U&\"\\0061pi_key\" = '$_[0]'" });
alter_system_form('U& identifier with UESCAPE',
	sub { "ALTER SYSTEM SET booking_events.U&\"!0061pi!005fkey\" UESCAPE '!' = '$_[0]'" });
alter_system_form('E string', sub { "ALTER SYSTEM SET booking_events.api_key = E'$_[0]\\x21'" });
alter_system_form('block comment in the name',
	sub { "ALTER SYSTEM SET booking_events./**/api_key = '$_[0]'" });
alter_system_form('line comment in the name',
	sub { "ALTER SYSTEM SET booking_events. -- the key\n api_key = '$_[0]'" });
alter_system_form('string continued on the next line',
	sub { my $v = shift; "ALTER SYSTEM SET booking_events.api_key = '" . substr($v, 0, 9) . "'\n'" . substr($v, 9) . "'" });
alter_system_form('signing secret', sub { "ALTER SYSTEM SET booking_events.signing_secret = '$_[0]'" });
my $url_password = secret('password in the webhook URL');
my $url_token = secret('token in the webhook URL path');
run_sql("ALTER SYSTEM SET booking_events.webhook_url = 'https://hookuser:$url_password\@hook.example.com/$url_token'");
ok(index(slurp_file($auto_conf), $url_token) >= 0, 'webhook URL with credentials: set');

# Forms refused at run time (the settings are reloadable only); the refused
# statement is still logged, with its error and context.
run_sql('SET booking_events.api_key = ' . "'" . secret('SET') . "'");
run_sql("BEGIN;\nSET LOCAL booking_events.api_key = '" . secret('SET LOCAL') . "';\nCOMMIT;");
run_sql("SET SESSION booking_events.api_key TO '" . secret('SET SESSION') . "'");
run_sql('SET booking_events.api_key TO ' . secret('bare word value'));
run_sql('SET booking_events.api_key = "' . secret('quoted identifier value') . '"');
run_sql('SET booking_events.api_key = ' . secret('value starting with digits') =~ s/^Zq/9/r);
$secrets[-1][1] =~ s/^Zq/9/;
run_sql("CREATE FUNCTION f_with_set() RETURNS int LANGUAGE sql\n"
	  . "SET booking_events.api_key = '" . secret('CREATE FUNCTION ... SET') . "' AS 'SELECT 1'");
run_sql("CREATE FUNCTION f_body_set() RETURNS void LANGUAGE plpgsql AS \$\$\n"
	  . "BEGIN SET booking_events.api_key = '" . secret('SET in a function body') . "'; END \$\$;\n"
	  . 'SELECT f_body_set();');
run_sql("CREATE FUNCTION f_body_perform() RETURNS void LANGUAGE plpgsql AS \$body\$\n"
	  . "BEGIN PERFORM set_config('booking_events.api_key', '"
	  . secret('PERFORM set_config in a body')
	  . "', false); END \$body\$;\nSELECT f_body_perform();");
run_sql("DO \$\$ BEGIN EXECUTE format('ALTER SYSTEM SET %I.%I = %L', 'booking_events', 'api_key', '"
	  . secret('dynamic ALTER SYSTEM in DO') . "'); END \$\$");
run_sql("SELECT set_config('booking_events.api_key', '" . secret('set_config literal') . "', false)");
run_sql("SELECT set_config('booking_' || 'events.api_key', '" . secret('set_config concatenated name') . "', false)");
run_sql("SELECT set_config(reverse('yek_ipa.stneve_gnikoob'), '" . secret('set_config computed name') . "', false)");
run_sql("SELECT set_config(lower('BOOKING_EVENTS.API_KEY'), '" . secret('set_config upper-case name') . "', false)");
run_sql("PREPARE set_key(text) AS SELECT set_config('booking_events.api_key', \$1, false);\n"
	  . "EXECUTE set_key('" . secret('EXECUTE of a prepared set_config') . "');");
run_sql("SELECT \"pg_catalog\".\"set_config\"('booking_events.api_key', '" . secret('quoted set_config') . "', false)");
run_sql("SET standard_conforming_strings = off;\n"
	  . "ALTER SYSTEM SET booking_events.api_key = '" . secret('backslash without standard strings') . "\\\\x'");
run_sql("DO LANGUAGE plpgsql \$\$ DECLARE v text := '" . secret('variable in a DO block') . "';\n"
	  . "BEGIN RAISE NOTICE 'setting booking_events.api_key to %', v; END \$\$");
run_sql("ALTER ROLE postgres SET booking_events.api_key = '" . secret('ALTER ROLE SET') . "'");
run_sql("ALTER DATABASE postgres SET booking_events.api_key = '" . secret('ALTER DATABASE SET') . "'");
run_sql("UPDATE pg_settings SET setting = '" . secret('UPDATE pg_settings') . "' WHERE name = 'booking_events.api_key'");

# Endpoints (1.2.0): webhook_endpoint_set() takes a URL whose path is a
# credential, an API key and a signing secret, in positional or named
# notation, with any quoting; a refused call is logged with its error; a
# value set in this session is hidden in later statements too.
$node->safe_psql('postgres', 'CREATE EXTENSION booking_events');
sub endpoint_url { return 'https://hook.example.com/' . secret($_[0]) }
run_sql("SELECT webhook_endpoint_set('crm', '" . endpoint_url('endpoint URL, positional') . "', '{*}', NULL, 1, '"
	  . secret('endpoint api_key, positional') . "', '" . secret('endpoint signing_secret, positional') . "')");
run_sql("SELECT webhook_endpoint_set(name => 'crm2', url => \$u\$" . endpoint_url('endpoint URL, named') . "\$u\$, "
	  . "api_key => \$\$" . secret('endpoint api_key, named') . "\$\$, signing_secret => E'"
	  . secret('endpoint signing_secret, named') . "')");
run_sql("SELECT \"public\".\"webhook_endpoint_set\"('crm3', U&'" . endpoint_url('endpoint URL, U& string') . "', "
	  . "api_key := '" . secret('endpoint api_key, quoted function name') . "')");
run_sql("SELECT webhook_endpoint_set('crm4', 'https://hook.example.com/x', batch_max => 0, api_key => '"
	  . secret('endpoint api_key, refused call') . "')");
my $session_key = secret('endpoint api_key, echoed later in the session');
run_sql("SELECT webhook_endpoint_set('crm5', 'https://hook.example.com/x', api_key => '$session_key');\n"
	  . "SELECT md5('$session_key');");
my $stored = $node->safe_psql('postgres', "SELECT count(*) FROM webhook_endpoints WHERE api_key IS NOT NULL");
is($stored, '4', 'the endpoint forms stored their keys (the refused one did not)');

# A trailing newline, the paste mistake the check hook rejects.
my $stderr = run_sql("ALTER SYSTEM SET booking_events.api_key = E'" . secret('trailing newline, ALTER SYSTEM') . "\\n'");
like($stderr, qr/invalid value for parameter "booking_events\.api_key"/, 'a value with a newline is rejected');
unlike($stderr, qr/$secrets[-1][1]/, 'and the rejection does not echo it');
run_sql("ALTER ROLE postgres SET booking_events.api_key = E'" . secret('trailing newline, ALTER ROLE') . "\\n'");

# Bound parameters (extended protocol): pgbench sends :name and :value as $1, $2.
my $script = $node->basedir . '/set_config.sql';
append_to_file($script, "SELECT set_config(:name, :value, false);\n");
{
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	my ($out, $err) = run_command([ 'pgbench', '-n', '-M', 'extended', '-t', '1', '-f', $script,
		'-D', 'name=booking_events.api_key', '-D', 'value=' . secret('set_config bound parameters'),
		'postgres' ]);
	like($out . $err, qr/cannot be changed now|pgbench/, 'pgbench sent set_config with parameters');
}

# PostgreSQL's own messages: "changed to" on reload, "invalid value" for a bad
# line in postgresql.conf (read by the postmaster and every backend). The
# ALTER SYSTEM values above would override the file: they go first.
run_sql('ALTER SYSTEM RESET ALL');
my $reload_key = secret('reload of postgresql.conf');
my $offset = -s $node->logfile;
$node->append_conf('postgresql.conf',
	"log_min_messages = debug3\n" . conf_line(api_key => $reload_key));
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('booking_events.api_key') = '$reload_key'")
  or die 'reload not seen';
# The current value, printed by a function or quoted by an error.
run_sql("DO \$\$ BEGIN RAISE NOTICE 'now %', current_setting('booking_' || 'events.api_key'); END \$\$");
run_sql("SELECT current_setting('booking_events.' || 'api_key')::int");
my $bad_line_key = secret('invalid line in postgresql.conf');
$node->append_conf('postgresql.conf', "booking_events.api_key = '$bad_line_key\\n'\n");
$node->reload;
$node->wait_for_log(qr/invalid value for parameter "booking_events\.api_key"/, $offset);
$node->append_conf('postgresql.conf', "log_min_messages = warning\n" . conf_line(api_key => 'final-value'));
$node->reload;
$node->poll_query_until('postgres', "SELECT current_setting('booking_events.api_key') = 'final-value'")
  or die 'final reload not seen';

# Redaction does not blind the log: ordinary statements stay as they were.
$node->safe_psql('postgres', "SELECT 'an ordinary literal 4711' AS visible");
$node->stop;

my $log = slurp_file($node->logfile);
like($log, qr/an ordinary literal 4711/, 'ordinary statements are logged as written');
like($log, qr/statement: ALTER SYSTEM SET booking_events\.api_key = \$\$\*\*\*\$\$/,
	'a redacted statement keeps its shape');
like($log, qr/parameter "booking_events\.api_key" changed to "\*\*\*"/,
	'the reload is logged, without the value');
for my $secret (@secrets)
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

done_testing();
