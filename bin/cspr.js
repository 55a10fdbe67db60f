#!/usr/bin/env -S node --liftoff-only --max-semi-space-size=2
// The `cspr` command. The source is TypeScript, run by Node's own type stripping.
// The compile cache keeps V8's compiled code between runs: start-up is mostly module loading.
// --liftoff-only (also in the npm scripts): the embedded database is PostgreSQL compiled to
// WebAssembly, and V8's optimising compiler took it from a 200 MB to a 760 MB peak at start-up
// and 250 MB more while it optimised queries' code, for queries no faster on a busy two-core
// machine (see the README's "Memory"). The flag touches WebAssembly only, and only on the command line.
// --max-semi-space-size=2: V8's young generation grows to 16 MB semi-spaces per thread and keeps them;
// a request's garbage is small and short-lived, so 2 MB spaces hold it and the idle service is ~35 MB smaller.
import module from 'node:module';

module.enableCompileCache?.();
await import('../src/cli/main.ts');
