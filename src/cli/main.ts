#!/usr/bin/env node
/** Entry point of the `lifeboat` command. */
import { constants, enableCompileCache } from 'node:module';

// Node keeps the compiled (and type-stripped) modules on disk between runs, keyed by their content: the
// command's start costs half the CPU. The modules are loaded after, so that they are cached too. A worker
// thread (the volume restore's writer) does not share the main thread's cache unless the environment names
// it: then its start takes 44-50 ms instead of 95-106 (measured). Only the first call gives the cache's
// root; a later one (after bin/lifeboat.js's) gives its versioned folder inside.
const cache = enableCompileCache();
if (cache.status === constants.compileCacheStatus.ENABLED) process.env.NODE_COMPILE_CACHE ??= cache.directory;
const { processIo } = await import('./io.ts');
const { runCli } = await import('./program.ts');

process.exitCode = await runCli(process.argv.slice(2), processIo);
