# Process churn: forks RATE children a second, for at most SECONDS and MAX children. Each child
# opens its own loopback sockets (a TCP listener, a connection to it and its accepted end, a bound
# UDP socket), logs them, lives 20-200 ms, and exits. perl-base modules only.
#
#   perl churn.pl RATE SECONDS MAX LOGFILE
#
# LOGFILE gets "pid proto laddr lport" per child socket (O_APPEND, one write per child). On
# SIGTERM, or when done, the master kills what is left of its children and prints
# "started N ended M failed F".
use strict;
use warnings;
use POSIX ();
use Socket qw(AF_INET AF_INET6 SOCK_STREAM SOCK_DGRAM inet_pton pack_sockaddr_in pack_sockaddr_in6 unpack_sockaddr_in unpack_sockaddr_in6 sockaddr_family);

my ($rate, $seconds, $max, $logfile) = @ARGV;
$0 = 'churn-master';
$| = 1;
# Hard bound even if nobody stops us; children end by themselves within 200 ms.
alarm($seconds + 30);

my %kids;
my ($started, $ended, $failed) = (0, 0, 0);
sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    delete $kids{$pid};
    $ended++;
    # A child that could not open its sockets exits 2-6; one killed by a signal (at the end, or
    # by the SIGTERM sent to the whole group) is not a failure.
    $failed++ if ($? & 127) == 0 && ($? >> 8) != 0;
  }
}
$SIG{CHLD} = \&reap;
my $stop = 0;
$SIG{TERM} = sub { $stop = 1 };

# Everything a child needs is made before the fork; a child only makes its sockets (with the bare
# socket calls: IO::Socket's name resolution would cost more than the rest of its life).
my @family = (
  [AF_INET, pack_sockaddr_in(0, inet_pton(AF_INET, '127.0.0.1')), '127.0.0.1'],
  [AF_INET6, pack_sockaddr_in6(0, inet_pton(AF_INET6, '::1')), '::1'],
);
open(my $log, '>>', $logfile) or die "log: $!\n";

sub port_of {
  my ($sock) = @_;
  my $name = getsockname($sock) or POSIX::_exit(7);
  return sockaddr_family($name) == AF_INET6 ? (unpack_sockaddr_in6($name))[0] : (unpack_sockaddr_in($name))[0];
}

sub child {
  my ($n) = @_;
  $SIG{CHLD} = 'DEFAULT';
  $SIG{TERM} = 'DEFAULT';
  $0 = 'churn-child';
  my ($af, $any, $host) = @{ $family[$n % 2] };
  my ($l, $c, $a, $u);
  socket($l, $af, SOCK_STREAM, 0) && bind($l, $any) && listen($l, 8) or POSIX::_exit(2);
  socket($c, $af, SOCK_STREAM, 0) && connect($c, getsockname($l)) or POSIX::_exit(3);
  accept($a, $l) or POSIX::_exit(4);
  socket($u, $af, SOCK_DGRAM, 0) && bind($u, $any) or POSIX::_exit(5);
  syswrite($log, join('', map { "$$ $_->[0] $host $_->[1]\n" } (['tcp', port_of($l)], ['tcp', port_of($c)], ['udp', port_of($u)])));
  select(undef, undef, undef, 0.02 + rand(0.18));
  POSIX::_exit(0);
}

my $t0 = time();
my $second = $t0;
my $in_second = 0;
while (!$stop && $started < $max && time() - $t0 < $seconds) {
  my $now = time();
  if ($now != $second) { $second = $now; $in_second = 0; }
  if ($in_second >= $rate) { select(undef, undef, undef, 0.005); next; }
  my $pid = fork();
  if (!defined $pid) { select(undef, undef, undef, 0.01); next; }
  if ($pid == 0) { child($started); }
  $kids{$pid} = 1;
  $started++;
  $in_second++;
  # A little under 1/RATE apart, so the second's budget is spent before the second ends.
  select(undef, undef, undef, 0.8 / $rate);
}
kill('KILL', keys %kids) if %kids;
while (%kids) { my $pid = waitpid(-1, 0); last if $pid <= 0; delete $kids{$pid}; $ended++; }
print "started $started ended $ended failed $failed\n";
POSIX::_exit(0);
