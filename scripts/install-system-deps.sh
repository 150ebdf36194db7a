#!/usr/bin/env bash
# Install the Debian packages the test suite needs, if they are missing:
#   chromium            — the web chat is driven in headless Chromium
#   postgresql-15       — tests start a throwaway PostgreSQL server (initdb/pg_ctl)
#   libgomp1            — OpenMP, which LightGBM (the `train` extra) loads
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || need+=(postgresql-15)
/sbin/ldconfig -p | grep -q 'libgomp\.so\.1 ' || need+=(libgomp1)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
