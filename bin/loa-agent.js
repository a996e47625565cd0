#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=32768 node --lite-mode --no-expose-wasm --single-threaded --max-semi-space-size=1 --expose-gc
// `loa-agent …` is `loa agent …` built for the small box the agent runs on: its code in one file
// (dist/loa-agent.mjs, which scripts/bundle-agent.ts builds and heads with this first line), and Node.js
// set for memory, not speed: the agent sends a few messages a minute (docs/agent.md §8 has the
// measurements, bench/agent.ts takes them).
// MALLOC_MMAP_THRESHOLD_=32768: blocks of 32 KB and more come from their own mappings and go back to the
//   system when freed. V8 compiles the one file in 32 KB blocks, ~8 MB in all, then frees them; in the
//   main heap a single later block could keep those pages resident (seen: 6 MB held in one start of ten);
// --lite-mode: no optimising compilers, unused bytecode flushed. It implies --jitless, and so no
//   WebAssembly: --no-expose-wasm says so, or V8 prints a warning at every start;
// --single-threaded: no V8 background threads (compilers, garbage collection helpers) and their memory;
// --max-semi-space-size=1: a young generation of 1 MB instead of up to 16;
// --expose-gc: the agent collects its heap in full every 2 s (cli/agent-cmd.ts says why).
import '../dist/loa-agent.mjs';
