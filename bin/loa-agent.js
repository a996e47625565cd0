#!/usr/bin/env -S node --lite-mode --no-expose-wasm --single-threaded --max-semi-space-size=1 --expose-gc
// `loa-agent …` is `loa agent …` with V8 set for the small box the agent runs on: it sends a few messages
// a minute, so memory counts and speed does not (docs/agent.md §8 has the measurements, bench/agent.ts
// takes them).
// --lite-mode: no optimising compilers, unused bytecode flushed. It implies --jitless, and so no
//   WebAssembly: --no-expose-wasm says so, or V8 prints a warning at every start;
// --single-threaded: no V8 background threads (compilers, garbage collection helpers) and their memory;
// --max-semi-space-size=1: a young generation of 1 MB instead of up to 16;
// --expose-gc: the agent collects its heap in full every 2 s (cli/agent-cmd.ts says why).
import { argv } from 'node:process';

argv.splice(2, 0, 'agent');
await import('../dist/cli/main.js');
