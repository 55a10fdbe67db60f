#!/usr/bin/env node
// The `cspr` command. The source is TypeScript, run by Node's own type stripping.
import '../src/cli/main.ts';
