#!/bin/sh
# Installs what Loa needs and is missing: the npm dependencies (which also builds the `loa` binary),
# and, when run as root on Debian/Ubuntu, InfluxDB 1.x from the distribution. Safe to run again.
set -eu
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "loa: installing npm dependencies…" >&2
  npm ci --no-audit --no-fund >&2
elif [ ! -f dist/cli/main.js ] || [ ! -f dist/loa-agent.mjs ]; then
  npm run build >&2
fi

if ! command -v influxd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "loa: installing InfluxDB (Debian package influxdb)…" >&2
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y influxdb >&2
  else
    echo "loa: InfluxDB (influxd) is not installed. Install it with: sudo apt-get install influxdb" >&2
    echo "     or run Loa against an existing server: loa up --influx-url http://HOST:8086" >&2
  fi
fi
