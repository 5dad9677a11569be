#!/usr/bin/env node
// Runs the TypeScript sources directly: Node 24 strips types natively (see package.json engines).
import '../src/cli/main.ts';
