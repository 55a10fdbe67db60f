#!/usr/bin/env node
// The `cspr` command. The source is TypeScript, run by Node's own type stripping.
// The compile cache keeps V8's compiled code between runs: start-up is mostly module loading.
import module from 'node:module';

module.enableCompileCache?.();
await import('../src/cli/main.ts');
