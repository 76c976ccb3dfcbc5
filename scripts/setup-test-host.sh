#!/bin/sh
# Installs what the test suite needs on a Debian 12 host (run as root). Idempotent.
# Services are never started here: the tests start (and stop) their own.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-test-host.sh: run as root (it installs Debian packages)" >&2
  exit 1
fi

# Without systemd, a package's postinst would try to start its service; the tests start their own.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# iproute2: ss (the oracle) and ip netns; util-linux: unshare, setpriv, nsenter; strace: proves
# procsock never stats or opens fd links; lsof/net-tools: peers in the benchmark.
apt-get install -y -qq --no-install-recommends \
  iproute2 util-linux procps strace lsof net-tools sudo libcap2-bin ca-certificates >/dev/null

if [ -x scripts/zabbix/install-packages.sh ]; then
  scripts/zabbix/install-packages.sh
fi
echo "setup-test-host.sh: test host ready"
