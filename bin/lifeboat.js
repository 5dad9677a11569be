#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the TypeScript sources directly: Node 24 strips types natively (see package.json engines).
// The flag is src/cli/runtime.ts's nodeFlags (a shebang cannot import it).
import '../src/cli/main.ts';
