#!/usr/bin/env -S node --max-semi-space-size=8
// The `loa` binary: runs the compiled CLI (npm install builds it through the `prepare` script).
// --max-semi-space-size caps V8's young generation: the ingest allocates many short-lived objects per
// message, and with the default the heap grows by tens of MB for no gain in throughput
// (docs/performance.md has the measurements).
import '../dist/cli/main.js';
