# The README's "Installing for production" section, run as written: its
# settings exist, its SQL blocks run in order against a fresh server (a
# block starting with "-- as ROLE" runs as that role), the event written by
# the application role is delivered, and its monitoring check gives the
# exit code it promises. If the README drifts from the product, this fails.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use BookingEventsTest;

my $readme = slurp_file("$FindBin::RealBin/../../README.md");
my ($section) = $readme =~ /^## Installing for production\n(.*?)^## /ms
  or die 'README has no "Installing for production" section';
my @blocks;
while ($section =~ /^```(\w+)\n(.*?)^```$/msg)
{
	push @blocks, { lang => $1, text => $2 };
}
my @sql = grep { $_->{lang} eq 'sql' } @blocks;
my ($conf) = grep { $_->{lang} eq 'ini' } @blocks;
my ($check) = grep { $_->{lang} eq 'sh' && $_->{text} =~ /webhook_health/ } @blocks;
cmp_ok(scalar @sql, '>=', 8, 'the section has its SQL blocks');
ok($conf, 'the section has a postgresql.conf block');
ok($check, 'the section has a monitoring check');

# The configuration as written, with a local receiver instead of the
# placeholder URL and secrets.
my $recv = start_receiver();
my %settings = $conf->{text} =~ /^\s*([\w.]+)\s*=\s*'([^']*)'/mg;
my $extra = '';
for my $name (sort keys %settings)
{
	next if $name =~ /^booking_events\.(webhook_url|api_key|signing_secret)$/;
	$extra .= "$name = '$settings{$name}'\n";
}
my $node = new_node('readme',
	webhook_url => $recv->url('/hook'),
	extra_conf => $extra);
for my $name (grep { /^booking_events\./ } sort keys %settings)
{
	# current_setting, not pg_settings: the secrets are hidden from SHOW ALL.
	is($node->safe_psql('postgres', "SELECT current_setting('$name', true) IS NOT NULL"),
		't', "README setting $name exists");
}
is($settings{'booking_events.database_name'}, 'app', 'the README serves database app');

# The application's own schema, which the README assumes.
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', q{
	CREATE SCHEMA booking;
	CREATE TABLE booking.profiles (id uuid PRIMARY KEY, full_name text, email text, company_name text);
	CREATE TABLE booking.bookings (id uuid PRIMARY KEY, booking_number text, client_id uuid,
	                               provider_id uuid, status text, total_price numeric);
	CREATE TABLE booking.booking_events (id bigserial PRIMARY KEY, booking_id uuid, event_type text,
	                                     description text, user_id uuid,
	                                     created_at timestamptz DEFAULT now());
});

sub run_check
{
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ 'bash', '-c', $check->{text} ], '>', \$stdout, '2>', \$stderr);
	return ($ok, $stderr);
}

my $n = 0;
for my $block (@sql)
{
	$n++;
	my $text = $block->{text};
	my @as = $text =~ /^-- as (\w+)\n/ ? (extra_params => [ '-U', $1 ]) : ();
	my $dropping = $text =~ /DROP EXTENSION/;
	if ($dropping)
	{
		# Before uninstalling: the application's event went out, and the
		# monitoring check agrees, then reports a pause.
		$node->poll_query_until('app',
			"SELECT count(*) > 0 AND bool_and(status = 'delivered') FROM hooks.webhook_outbox")
		  or diag('events not delivered');
		ok((grep { ($_->{body} // '') =~ /installation check/ } @{ $recv->requests }),
			'the event written by app_user reached the receiver');
		my ($ok, $stderr) = run_check();
		ok($ok, 'the monitoring check exits 0 when delivery is ok') or diag($stderr);
		$node->safe_psql('app', 'ALTER SYSTEM SET booking_events.paused = on');
		$node->reload;
		$node->poll_query_until('app', "SELECT hooks.webhook_health()->>'status' = 'paused'");
		($ok, $stderr) = run_check();
		ok(!$ok, 'and exits non-zero when paused');
		like($stderr, qr/^paused: .*booking_events\.paused is on/, 'printing the status and reasons');
		$node->safe_psql('app', 'ALTER SYSTEM RESET booking_events.paused');
		$node->reload;
	}
	my ($ret, $stdout, $stderr) = $node->psql('app', $text, @as, on_error_stop => 1);
	is($ret, 0, "README SQL block $n runs" . (@as ? " as $as[1][1]" : ''))
	  or diag("$text\n$stderr");
}
is($node->safe_psql('app', "SELECT count(*) FROM pg_extension WHERE extname = 'booking_events'"),
	0, 'uninstalled as the README says');
is($node->safe_psql('app', "SELECT to_regclass('booking.kept_events') IS NOT NULL"), 't',
	'after keeping the events it said to keep');

$recv->stop;
done_testing();
