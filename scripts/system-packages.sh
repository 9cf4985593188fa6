#!/usr/bin/env bash
# Installs, with apt, the system tools the tests and benchmarks start; does nothing when present.
set -euo pipefail

need=()
for tool in "$@"; do
  case "$tool" in
    postgres)
      command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
        || need+=(postgresql) ;;
    pgbouncer) command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer) ;;
    wrk) command -v wrk >/dev/null || need+=(wrk) ;;
    chromium) command -v chromium >/dev/null || need+=(chromium) ;;
    pgbouncer-build)  # what scripts/build-pgbouncer.sh compiles with
      for pkg in gcc make pkg-config libevent-dev libssl-dev libc-ares-dev; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
      done ;;
    *) echo "unknown tool: $tool" >&2; exit 2 ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${need[*]}. Install them (e.g. sudo apt-get install ${need[*]})." >&2
  exit 1
fi
echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian packages start system-wide services; the tests run their own.
for service in postgresql pgbouncer; do
  if command -v service >/dev/null; then service "$service" stop >/dev/null 2>&1 || true; fi
done
