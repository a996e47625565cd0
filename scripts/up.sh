#!/bin/sh
# `npm run up`: installs what is missing, then brings Loa up on this machine with a simulated
# province. Extra arguments go to `loa up` (see `loa up --help`).
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-deps.sh
exec ./bin/loa.js up --simulate "$@"
