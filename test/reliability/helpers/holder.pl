# Holds loopback sockets of known shapes for a bounded time, then exits by itself.
# Uses only perl-base modules (Essential on Debian), so it runs on any test host.
#
#   perl holder.pl NAME LIFETIME_S SPEC DUPS
#
# NAME becomes the process name (comm); "hex:HEX" writes those bytes to /proc/self/comm instead
# (any bytes: newlines, quotes, invalid UTF-8; the kernel keeps 15). SPEC is a comma-separated list of tcp4:L tcp6:L udp4:L
# udp6:L (a listener / a bound UDP socket) and tcp4:E tcp6:E udp4:E udp6:E (an established pair,
# with its listener or bound peer). Each socket is also dup'ed DUPS times (more fd links to scan).
# Prints "PID pid" (as its own PID namespace numbers it), one line per socket:
# "proto family state laddr lport raddr rport", then "READY".
use strict;
use warnings;
use IO::Socket::IP;
use POSIX ();

my ($name, $life, $spec, $dups) = @ARGV;
if ($name =~ /^hex:([0-9a-f]*)$/) {
  open(my $comm, '>', '/proc/self/comm') or die "comm: $!\n";
  syswrite($comm, pack('H*', $1));
  close($comm);
} else {
  $0 = $name;
}
$| = 1;
alarm($life);
$SIG{TERM} = sub { POSIX::_exit(0) };

print "PID $$\n";
my @keep;
sub show {
  my ($s, $proto, $family, $state) = @_;
  my ($raddr, $rport) = $state eq 'LISTEN' ? ($family == 4 ? '0.0.0.0' : '::', 0) : ($s->peerhost, $s->peerport);
  print join(' ', $proto, $family, $state, $s->sockhost, $s->sockport, $raddr, $rport), "\n";
  push @keep, $s;
}

for my $item (split /,/, $spec) {
  my ($proto, $family, $kind) = $item =~ /^(tcp|udp)([46]):([LE])$/ or die "bad spec $item\n";
  my $host = $family == 4 ? '127.0.0.1' : '::1';
  if ($proto eq 'tcp') {
    my $l = IO::Socket::IP->new(LocalHost => $host, LocalPort => 0, Listen => 64) or die "listen: $@\n";
    show($l, 'tcp', $family, 'LISTEN');
    next if $kind eq 'L';
    my $c = IO::Socket::IP->new(PeerHost => $host, PeerPort => $l->sockport, Proto => 'tcp') or die "connect: $@\n";
    my $a = $l->accept or die "accept: $!\n";
    show($c, 'tcp', $family, 'ESTABLISHED');
    show($a, 'tcp', $family, 'ESTABLISHED');
  } else {
    my $u = IO::Socket::IP->new(LocalHost => $host, LocalPort => 0, Proto => 'udp') or die "bind: $@\n";
    show($u, 'udp', $family, 'LISTEN');
    next if $kind eq 'L';
    my $c = IO::Socket::IP->new(LocalHost => $host, PeerHost => $host, PeerPort => $u->sockport, Proto => 'udp') or die "udp connect: $@\n";
    show($c, 'udp', $family, 'ESTABLISHED');
  }
}
my @copies;
for my $s (@keep) {
  for (1 .. $dups) { push @copies, POSIX::dup(fileno($s)) // die "dup: $!\n"; }
}
print "READY\n";
sleep($life) while 1;
