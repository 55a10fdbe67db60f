#!/usr/bin/env -S node --liftoff-only --max-semi-space-size=2
// The `cspr` command. The source is TypeScript, run by Node's own type stripping.
// The compile cache keeps V8's compiled code between runs: start-up is mostly module loading.
// --liftoff-only (also in the npm scripts): the embedded database is PostgreSQL compiled to
// WebAssembly, and V8's optimising compiler takes one of its functions (about 100 kB of code) through
// about 600 MB of compiler memory: a first start would peak above 1 GB, a restart near 750 MB, for
// queries 30–40% faster (see the README's "Memory"). The flag touches WebAssembly only, and only on
// the command line.
// --max-semi-space-size=2: V8's young generation grows to 16 MB semi-spaces per thread and keeps them;
// a request's garbage is small and short-lived, so 2 MB spaces hold it and the idle service is ~35 MB smaller.
import module from 'node:module';

module.enableCompileCache?.();
await import('../src/cli/main.ts');
