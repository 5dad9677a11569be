#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the TypeScript sources directly: Node 24 strips types natively (see package.json engines).
// The flag is src/cli/runtime.ts's nodeFlags (a shebang cannot import it).
import { constants, enableCompileCache } from 'node:module';

// The compile cache (src/cli/main.ts) is turned on here, before the first TypeScript module: with every module
// found in it, Node does not load its type stripper at all (about 40 ms of CPU per command). Worker threads
// use it only when the environment names it (as src/cli/main.ts explains).
const cache = enableCompileCache();
if (cache.status === constants.compileCacheStatus.ENABLED) process.env.NODE_COMPILE_CACHE ??= cache.directory;
await import('../src/cli/main.ts');
