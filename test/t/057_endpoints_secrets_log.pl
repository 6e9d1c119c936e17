# Endpoints (#11), secrets: the api_key and signing_secret given to
# webhook_endpoint_set() never reach the server log with log_statement =
# all, whatever the form of the call (positional, named, every string
# quoting, comments, concatenation, schema-qualified, PREPARE/EXECUTE, a DO
# block, bound parameters, a call that fails); each form really stores its
# values (or the test proves nothing). Neither webhook_endpoints_status nor
# webhook_logs shows them, and a monitor role cannot read webhook_endpoints.
# (007_log_redaction does the same for the settings.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use Digest::MD5 qw(md5_hex);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $recv = start_receiver();
my $node = new_node('ep_secrets_log',
	webhook_url => $recv->url('/hook'),
	extra_conf => log_everything_conf());
create_app_schema($node, extension_schema => 'hooks');

my @secrets;    # [label, value]
my $forms = 0;

# A value of its own per form and field: 'Kx', the form's number, then hex.
sub secret
{
	my ($label) = @_;
	my $value = sprintf('Kx%02d', scalar(@secrets) + 1) . substr(md5_hex($label), 0, 22);
	push @secrets, [ $label, $value ];
	return $value;
}

sub run_sql
{
	my ($sql) = @_;
	my ($ret, $stdout, $stderr) = $node->psql('postgres', $sql);
	return $stderr;
}

# $call->($name, $key, $secret) returns the SQL; the endpoint must then hold
# exactly these values.
sub form
{
	my ($label, $call) = @_;
	$forms++;
	my $name = "ep$forms";
	my ($key, $sec) = (secret("$label: api_key"), secret("$label: signing_secret"));
	my $stderr = run_sql($call->($name, $key, $sec));
	is( $node->safe_psql('postgres',
			'SELECT api_key || \' \' || signing_secret FROM hooks.webhook_endpoints WHERE name = '
			  . pg_quote($name)),
		"$key $sec", "$label: the endpoint holds both values") or diag($stderr);
	unlike($stderr, qr/\Q$key\E|\Q$sec\E/, "$label: the client sees neither");
	return;
}

my $url = pg_quote($recv->url('/ep'));
form('positional', sub { "SELECT webhook_endpoint_set('$_[0]', $url, '{*}', NULL, 1, '$_[1]', '$_[2]')" });
form('named', sub { "SELECT webhook_endpoint_set('$_[0]', $url, api_key => '$_[1]', signing_secret => '$_[2]')" });
form('named with :=, in another order',
	sub { "SELECT webhook_endpoint_set(signing_secret := '$_[2]', api_key := '$_[1]', url := $url, name := '$_[0]')" });
form('dollar quotes', sub { "SELECT webhook_endpoint_set('$_[0]', $url, api_key => \$\$$_[1]\$\$, signing_secret => \$q\$$_[2]\$q\$)" });
form('E and U& strings',
	sub { "SELECT webhook_endpoint_set('$_[0]', $url, api_key => E'$_[1]', signing_secret => U&'$_[2]')" });
form('string continued on the next line',
	sub { "SELECT webhook_endpoint_set('$_[0]', $url, api_key => '" . substr($_[1], 0, 10) . "'\n'"
		  . substr($_[1], 10) . "', signing_secret => '$_[2]')" });
form('concatenated', sub {
	my ($n, $k, $s) = @_;
	"SELECT webhook_endpoint_set('$n', $url, api_key => '" . substr($k, 0, 13) . "' || '" . substr($k, 13)
	  . "', signing_secret => concat('" . substr($s, 0, 13) . "', '" . substr($s, 13) . "'))" });
form('comments and schema-qualified, quoted name',
	sub { "SELECT \"hooks\" . /* x */ \"webhook_endpoint_set\"('$_[0]', $url, -- c\n api_key /**/ => '$_[1]', signing_secret => '$_[2]')" });
form('PREPARE and EXECUTE',
	sub { "PREPARE set_ep(text, text, text) AS SELECT webhook_endpoint_set(\$1, $url, api_key => \$2, signing_secret => \$3);\n"
		  . "EXECUTE set_ep('$_[0]', '$_[1]', '$_[2]')" });
form('DO block', sub { "DO \$\$ BEGIN PERFORM webhook_endpoint_set('$_[0]', $url, api_key => '$_[1]', signing_secret => '$_[2]'); END \$\$" });
form('FROM clause', sub { "SELECT * FROM webhook_endpoint_set('$_[0]', $url, '{booking.*}', 5, 10, '$_[1]', '$_[2]')" });

# A call that fails (bad URL) is logged with its statement at ERROR.
my ($bad_key, $bad_secret) = (secret('failing call: api_key'), secret('failing call: signing_secret'));
like(run_sql("SELECT webhook_endpoint_set('bad', 'ftp://nowhere', api_key => '$bad_key', signing_secret => '$bad_secret')"),
	qr/ERROR/, 'a call with a bad URL fails');

# Bound parameters (extended protocol).
my $script = $node->basedir . '/set_endpoint.sql';
append_to_file($script, "SELECT webhook_endpoint_set(:name, :url, api_key => :key, signing_secret => :secret);\n");
my ($bound_key, $bound_secret) = (secret('bound parameters: api_key'), secret('bound parameters: signing_secret'));
{
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	my ($out, $err) = run_command([ 'pgbench', '-n', '-M', 'extended', '-t', '1', '-f', $script,
		'-D', 'name=bound', '-D', 'url=' . $recv->url('/ep'), '-D', "key=$bound_key",
		'-D', "secret=$bound_secret", 'postgres' ]);
	note($out . $err);
}
is($node->safe_psql('postgres', "SELECT api_key FROM hooks.webhook_endpoints WHERE name = 'bound'"),
	$bound_key, 'bound parameters: the endpoint holds the key');

# Events go out to all of these endpoints; their log rows and the status
# view must not show the secrets either.
my $b = create_booking($node);
my $event = insert_event($node, $b->{id}, 'booking.created', 'to every endpoint');
wait_for_status($node, $event, 'delivered');
my $visible = $node->safe_psql('postgres',
	'SELECT (SELECT json_agg(s)::text FROM webhook_endpoints_status s) || (SELECT json_agg(l)::text FROM webhook_logs l)');
my @shown = grep { index($visible, $_->[1]) >= 0 } @secrets;
ok(!@shown, 'webhook_endpoints_status and webhook_logs show no secret') or diag($shown[0][0]);

$node->safe_psql('postgres', "CREATE ROLE watcher LOGIN; SELECT booking_events_grant('watcher', 'monitor')");
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT api_key FROM hooks.webhook_endpoints',
	extra_params => [ '-U', 'watcher' ]);
like($err, qr/permission denied/, 'a monitor role cannot read webhook_endpoints');
($ret, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM hooks.webhook_endpoints_status',
	extra_params => [ '-U', 'watcher' ]);
is($ret, 0, 'but can read webhook_endpoints_status') or diag($err);

$node->safe_psql('postgres', "SELECT 'an ordinary literal 4711' AS visible");
$node->stop;
my $log = slurp_file($node->logfile);
like($log, qr/an ordinary literal 4711/, 'ordinary statements are logged as written');
like($log, qr/webhook_endpoint_set/, 'the calls are logged (redacted, not dropped)');
log_hides_secrets($log, \@secrets);

$recv->stop;
done_testing();
