#!/usr/bin/env node
/** Entry point of the `lifeboat` command. */
import { enableCompileCache } from 'node:module';

// Node keeps the compiled (and type-stripped) modules on disk between runs, keyed by their content: the
// command's start costs half the CPU. The modules are loaded after, so that they are cached too.
enableCompileCache();
const { processIo } = await import('./io.ts');
const { runCli } = await import('./program.ts');

process.exitCode = await runCli(process.argv.slice(2), processIo);
