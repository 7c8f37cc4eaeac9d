#!/usr/bin/env bash
# Idempotent installer for the Debian packages the embedded lab needs.
# Daemons are never started by package scripts: the lab starts its own copies
# under its own state directory, so a policy-rc.d denies every service start
# for the duration of the install and is removed afterwards.
set -euo pipefail

PACKAGES=(
  # network and node plumbing
  iproute2 iptables iputils-ping iputils-arping procps psmisc socat rsync curl ca-certificates
  openssh-server openssh-client supervisor xinetd
  # each node's init: reaps orphans at once, as systemd does (see lab/steps/nodes.ts)
  tini
  # HA infrastructure
  haproxy keepalived rabbitmq-server mariadb-server mariadb-client galera-4
  # OpenStack services (libraries and entry points only, no packaged daemons)
  python3-keystone python3-openstackclient python3-pymysql uwsgi-core uwsgi-plugin-python3
  swift swift-proxy swift-account swift-container swift-object python3-keystonemiddleware
  python3-swiftclient memcached
  python3-trove python3-troveclient
  # the lab guest agent's backups (mariabackup, mbstream; same 10.11 as the server)
  mariadb-backup
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "lab packages: all ${#PACKAGES[@]} already installed"
  exit 0
fi

echo "lab packages: installing ${#missing[@]} missing: ${missing[*]}"
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  apt-get update -qq
fi
apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
echo "lab packages: done"
