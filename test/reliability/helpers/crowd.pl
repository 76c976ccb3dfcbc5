# A large, still process table: N children, each holding a TCP listener on 127.0.0.1 and one on
# ::1 and a bound UDP socket, every socket dup'ed DUPS times (fd links for the scan to read). The
# master prints "READY" once every child holds its sockets, and ends them all on SIGTERM or after
# LIFETIME_S. perl-base modules only.
#
#   perl crowd.pl N DUPS LIFETIME_S
use strict;
use warnings;
use IO::Socket::IP;
use POSIX ();

my ($n, $dups, $life) = @ARGV;
$0 = 'crowd-master';
$| = 1;
pipe(my $ready_r, my $ready_w) or die "pipe: $!\n";
my @kids;
my $stop = sub { kill('KILL', @kids) if @kids; POSIX::_exit(0) };
$SIG{TERM} = $stop;
$SIG{ALRM} = $stop;
alarm($life);

for my $k (1 .. $n) {
  my $pid = fork();
  die "fork: $!\n" unless defined $pid;
  if ($pid == 0) {
    $SIG{TERM} = 'DEFAULT';
    $SIG{ALRM} = 'DEFAULT';
    alarm($life + 5);
    close($ready_r);
    $0 = 'crowd-child';
    my @s = (
      IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0, Listen => 4),
      IO::Socket::IP->new(LocalHost => '::1', LocalPort => 0, Listen => 4),
      IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0, Proto => 'udp'),
    );
    POSIX::_exit(2) if grep { !defined } @s;
    my @copies;
    for my $s (@s) { for (1 .. $dups) { push @copies, POSIX::dup(fileno($s)); } }
    syswrite($ready_w, '.');
    sleep($life + 5) while 1;
  }
  push @kids, $pid;
}
close($ready_w);
my $got = 0;
while ($got < $n) {
  my $r = sysread($ready_r, my $buf, 4096);
  last unless $r;
  $got += $r;
}
print $got == $n ? "READY $n\n" : "FAILED $got of $n\n";
sleep($life) while 1;
