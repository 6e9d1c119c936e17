=pod

=head1 NAME

WebhookReceiver - drive test/receiver/webhook_receiver.py from TAP tests

=head1 SYNOPSIS

  use lib "$FindBin::RealBin/../perl";     # or PERL5LIB / prove -I
  use WebhookReceiver;

  my $recv = WebhookReceiver->start;
  $node->append_conf('postgresql.conf',
      "booking_events.webhook_url = '" . $recv->url('/hook') . "'");

  $recv->config({ fail_first_per_event => 2, retry_after => '1' });
  ...
  is($recv->wait_for_count(3, 30), 3, 'three attempts');
  my $reqs = $recv->requests(since => 0);     # arrayref of hashes
  $recv->restart_on_same_port(down_seconds => 2);   # simulate an outage
  $recv->stop;

=head1 DESCRIPTION

Spawns the local receiver (bound to 127.0.0.1, any free port) and talks to its
control API under /__control/ with HTTP::Tiny and JSON::PP. Its log and JSONL
record live in a temporary directory (PostgreSQL::Test::Utils::tempdir when the
TAP framework is loaded, so they are kept when a test fails; File::Temp
otherwise). The receiver also exits by itself when the Perl process is gone.

=cut

package WebhookReceiver;

use strict;
use warnings;

use Carp;
use File::Basename ();
use File::Spec;
use File::Temp ();
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes ();

our $VERSION = '1.0';

my $SCRIPT = File::Spec->catfile(
	File::Basename::dirname(File::Spec->rel2abs(__FILE__)),
	File::Spec->updir, 'receiver', 'webhook_receiver.py');

my $JSON = JSON::PP->new->utf8->canonical;

=pod

=head1 METHODS

=over

=item WebhookReceiver->start(%opts)

Starts a receiver and waits until it listens, or its process ends (an
error, at once), or C<startup_timeout> passes: by default the suite's own
timeout (C<PostgreSQL::Test::Utils::timeout_default>, 180 s), since a
Python start on a busy machine can take longer than any small figure.
Options: C<port> (0 = any free port), C<python> (C<python3> from PATH),
C<script> (path of webhook_receiver.py), C<quiet> (no per-request log lines),
C<record> (JSONL file; default in the temp dir), C<log_file> (receiver's
stderr; default C<receiver.log> in the temp dir), C<config> (a hashref passed
to C<config> once started), C<startup_timeout>.

=cut

sub start
{
	my ($class, %opts) = @_;
	my $self = bless {
		port => 0,
		python => 'python3',
		script => $SCRIPT,
		quiet => 0,
		startup_timeout => _suite_timeout(),
		%opts,
		owner_pid => $$,
		last_config => {},
	}, $class;

	croak "webhook receiver script not found: $self->{script}"
	  unless -f $self->{script};

	$self->{dir} = File::Spec->rel2abs(_tempdir());
	$self->{port_file} = File::Spec->catfile($self->{dir}, 'port');
	$self->{record} //= File::Spec->catfile($self->{dir}, 'requests.jsonl');
	$self->{log_file} //= File::Spec->catfile($self->{dir}, 'receiver.log');

	$self->_spawn(0);
	$self->config($opts{config}) if $opts{config};
	return $self;
}

# The suite's timeout for anything that waits on a busy machine (the same
# default PostgreSQL::Test::Utils uses, PG_TEST_TIMEOUT_DEFAULT).
sub _suite_timeout
{
	no warnings 'once';
	return $PostgreSQL::Test::Utils::timeout_default // $ENV{PG_TEST_TIMEOUT_DEFAULT} // 180;
}

sub _tempdir
{
	if ($INC{'PostgreSQL/Test/Utils.pm'}
		&& PostgreSQL::Test::Utils->can('tempdir'))
	{
		return PostgreSQL::Test::Utils::tempdir('webhook_receiver');
	}
	return File::Temp::tempdir('webhook_receiver_XXXX',
		TMPDIR => 1, CLEANUP => !defined $ENV{PG_TEST_NOCLEAN});
}

# Start the process; $resume = reload the requests recorded before a restart.
sub _spawn
{
	my ($self, $resume) = @_;

	unlink $self->{port_file};
	my @cmd = (
		$self->{python}, $self->{script},
		'--port' => $self->{port},
		'--port-file' => $self->{port_file},
		'--record' => $self->{record},
		'--watch-pid' => $$,
		($resume ? ('--resume') : ()),
		($self->{quiet} ? ('--quiet') : ()));

	my $pid = fork();
	croak "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		# Child: never return into the test script (no END blocks).
		open(STDIN, '<', File::Spec->devnull);
		open(STDOUT, '>>', $self->{log_file});
		open(STDERR, '>>', $self->{log_file});
		{ no warnings 'exec'; exec { $cmd[0] } @cmd; }
		print STDERR "cannot exec $cmd[0]: $!\n";
		POSIX::_exit(127);
	}
	$self->{pid} = $pid;

	my $deadline = Time::HiRes::time() + $self->{startup_timeout};
	my $port;
	while (1)
	{
		if (open(my $fh, '<', $self->{port_file}))
		{
			my $line = <$fh>;
			close $fh;
			if (defined $line && $line =~ /^(\d+)\s*$/)
			{
				$port = $1;
				last;
			}
		}
		if (waitpid($pid, POSIX::WNOHANG()) == $pid)
		{
			my $status = $?;
			delete $self->{pid};
			croak sprintf("webhook receiver exited during startup (wait status %d):\n%s",
				$status, $self->_log_tail);
		}
		if (Time::HiRes::time() > $deadline)
		{
			$self->_stop;
			croak "webhook receiver did not start within "
			  . "$self->{startup_timeout} s:\n" . $self->_log_tail;
		}
		Time::HiRes::sleep(0.05);
	}

	$self->{port} = $port;
	$self->{http} = HTTP::Tiny->new(
		timeout => _suite_timeout(),
		keep_alive => 1,
		agent => "WebhookReceiver.pm/$VERSION",
		# never route loopback traffic through a proxy from the environment
		proxy => undef,
		http_proxy => undef,
		https_proxy => undef);
	my $health = $self->_call(GET => 'health');
	croak "webhook receiver health check failed" unless $health->{ok};
	return;
}

sub _log_tail
{
	my ($self) = @_;
	open(my $fh, '<', $self->{log_file}) or return "(no log)\n";
	my @lines = <$fh>;
	close $fh;
	splice(@lines, 0, @lines - 30) if @lines > 30;
	return join('', @lines);
}

# One control API call; returns the decoded JSON answer, croaks on failure.
sub _call
{
	my ($self, $method, $name, $body, $query) = @_;
	croak "webhook receiver is not running" unless $self->{http};
	my $url = "http://127.0.0.1:$self->{port}/__control/$name";
	$url .= '?' . $self->{http}->www_form_urlencode($query)
	  if $query && %$query;
	my %args;
	if (defined $body)
	{
		$args{content} = $JSON->encode($body);
		$args{headers} = { 'Content-Type' => 'application/json' };
	}
	my $res = $self->{http}->request($method, $url, \%args);
	my $data = eval { $JSON->decode($res->{content}) };
	if (!$res->{success})
	{
		my $why = ref $data eq 'HASH' && $data->{error} ? $data->{error}
		  : $res->{content};
		croak "webhook receiver: $method /__control/$name failed: "
		  . "$res->{status} $res->{reason}: $why";
	}
	croak "webhook receiver: $method /__control/$name: bad JSON answer"
	  unless ref $data eq 'HASH';
	return $data;
}

=pod

=item $recv->port, $recv->pid, $recv->log_file, $recv->record_file, $recv->dir

The listening port, the receiver's process id (undef when stopped), the file
with its stderr, the JSONL record, the temp directory.

=item $recv->url($path)

C<http://127.0.0.1:PORT$path>; C<$path> defaults to C</hook>.

=cut

sub port { $_[0]->{port} }
sub pid { $_[0]->{pid} }
sub log_file { $_[0]->{log_file} }
sub record_file { $_[0]->{record} }
sub dir { $_[0]->{dir} }

sub url
{
	my ($self, $path) = @_;
	$path = '/hook' unless defined $path && length $path;
	$path = "/$path" unless $path =~ m{^/};
	return "http://127.0.0.1:$self->{port}$path";
}

=pod

=item $recv->config(\%cfg)

Replaces the behaviour (omitted keys take their defaults; see
test/receiver/README.md). Croaks on an invalid config. Returns the full config.

=item $recv->reset

Forgets recorded requests, per-event counters and config.

=item $recv->requests(since => $seq)

Arrayref of recorded requests (hashes: seq, time, method, path, headers with
lowercased names, body, body_b64, status, mode, ...), oldest first; with
C<since>, only those with a larger seq.

=item $recv->count

Number of requests recorded since the last reset.

=item $recv->wait_for_count($n, $timeout_s)

Polls every 50 ms until at least C<$n> requests are recorded or the timeout
(default: PostgreSQL::Test::Utils' timeout_default, else 60 s) passes. Returns
the final count.

=cut

sub config
{
	my ($self, $cfg) = @_;
	$cfg //= {};
	croak "config wants a hashref" unless ref $cfg eq 'HASH';
	my $res = $self->_call(POST => 'config', $cfg);
	$self->{last_config} = {%$cfg};
	return $res->{config};
}

sub current_config
{
	my ($self) = @_;
	return $self->_call(GET => 'config')->{config};
}

sub reset
{
	my ($self) = @_;
	$self->_call(POST => 'reset', {});
	$self->{last_config} = {};
	return;
}

sub requests
{
	my ($self, %opts) = @_;
	my %q;
	$q{since} = $opts{since} if defined $opts{since};
	return $self->_call(GET => 'requests', undef, \%q)->{requests};
}

sub count
{
	my ($self) = @_;
	return $self->_call(GET => 'count')->{count};
}

sub wait_for_count
{
	my ($self, $n, $timeout) = @_;
	{
		no warnings 'once';
		$timeout //= $PostgreSQL::Test::Utils::timeout_default // 60;
	}
	my $deadline = Time::HiRes::time() + $timeout;
	my $count = 0;
	while (1)
	{
		my $c = eval { $self->count };
		$count = $c if defined $c;
		last if $count >= $n || Time::HiRes::time() >= $deadline;
		Time::HiRes::sleep(0.05);
	}
	return $count;
}

=pod

=item $recv->stop

SIGTERM, then waits for the process (SIGKILL after 10 s). Idempotent.

=item $recv->start_on_same_port

Starts a stopped receiver again on the same port, with the requests recorded
so far and the config it had when it was stopped (including what was left of
a C<statuses> queue).

=item $recv->restart_on_same_port(down_seconds => $s)

C<stop>, an optional pause, then C<start_on_same_port>: an outage of the
webhook endpoint (connections are refused while it is down, and open
keep-alive connections are cut).

=item $recv->is_running

=back

=cut

sub stop
{
	my ($self) = @_;
	if ($self->{pid})
	{
		# remembered for start_on_same_port
		my $cfg = eval { $self->current_config };
		$self->{saved_config} = $cfg if $cfg;
	}
	return $self->_stop;
}

sub _stop
{
	my ($self) = @_;
	my $pid = delete $self->{pid};
	delete $self->{http};
	return unless $pid;
	local $?;
	kill 'TERM', $pid;
	my $deadline = Time::HiRes::time() + 10;
	while (waitpid($pid, POSIX::WNOHANG()) == 0)
	{
		if (Time::HiRes::time() > $deadline)
		{
			kill 'KILL', $pid;
			waitpid($pid, 0);
			last;
		}
		Time::HiRes::sleep(0.02);
	}
	return;
}

sub is_running
{
	my ($self) = @_;
	return 0 unless $self->{pid};
	return waitpid($self->{pid}, POSIX::WNOHANG()) == 0 ? 1 : 0;
}

sub start_on_same_port
{
	my ($self) = @_;
	croak "webhook receiver is still running" if $self->{pid};
	my $cfg = $self->{saved_config} // $self->{last_config};
	$self->_spawn(1);
	$self->_call(POST => 'config', $cfg);
	delete $self->{saved_config};
	return $self;
}

sub restart_on_same_port
{
	my ($self, %opts) = @_;
	$self->stop;
	Time::HiRes::sleep($opts{down_seconds}) if $opts{down_seconds};
	return $self->start_on_same_port;
}

sub DESTROY
{
	my ($self) = @_;
	return unless $self->{owner_pid} && $self->{owner_pid} == $$;
	local ($@, $!, $?);
	$self->_stop;
	return;
}

1;
