# Secrets and the server log: settings that log everything a secret could
# leak through, and the check that it did not. Part of package
# BookingEventsTest (loaded and exported by it); see its POD.
package BookingEventsTest;

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# The database the helpers run their SQL in (set in BookingEventsTest.pm).
our $DB;

=pod

=head2 Secrets in the server log

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

1;
