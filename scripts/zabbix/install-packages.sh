#!/bin/sh
# Installs what test/zabbix needs: Debian 12's Zabbix 6.0 (both agents, the server with zabbix_get
# and zabbix_js, the frontend), PostgreSQL, PHP's CLI for `php -S`, sudo, and setpriv/unshare.
# Called by scripts/setup-test-host.sh after `apt-get update`, with its policy-rc.d in place so
# that apt starts none of these services: the tests start (and stop) private instances.
set -eu

if [ "$(id -u)" -ne 0 ]; then
  echo "install-packages.sh: run as root (it installs Debian packages)" >&2
  exit 1
fi
if [ ! -x /usr/sbin/policy-rc.d ]; then
  echo "install-packages.sh: no /usr/sbin/policy-rc.d: run scripts/setup-test-host.sh, which keeps apt from starting services" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends \
  zabbix-agent zabbix-agent2 zabbix-server-pgsql zabbix-frontend-php \
  postgresql php-cli php-pgsql sudo util-linux perl-base >/dev/null
