/**
 * `npm run testbed -- up [--clusters N] [--dir DIR] [--no-nodes] [--velero]` and `npm run testbed -- down [--dir DIR]`.
 */
import { parseArgs } from 'node:util';
import { down, up } from './testbed.ts';

const usage =
  'usage: npm run testbed -- up [--clusters N] [--dir DIR] [--nodes | --no-nodes] [--velero] | down [--dir DIR]';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    allowNegative: true,
    options: {
      clusters: { type: 'string' },
      dir: { type: 'string' },
      // A real node and CSI storage per cluster; --no-nodes leaves them out (a faster up, for suites that need no pods).
      nodes: { type: 'boolean' },
      // Velero beside every cluster, for the interoperability tests and the side-by-side benchmark.
      velero: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  if (values.help || positionals.length !== 1) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const dir = values.dir;
  if (command === 'up') {
    const clusters = values.clusters === undefined ? 2 : Number(values.clusters);
    const envFile = await up({
      ...(dir === undefined ? {} : { dir }),
      clusters,
      ...(values.nodes === undefined ? {} : { nodes: values.nodes }),
      ...(values.velero === undefined ? {} : { velero: values.velero }),
      log: (line) => console.error(line),
    });
    console.log(envFile);
    return 0;
  }
  if (command === 'down') {
    if (values.clusters !== undefined || values.nodes !== undefined || values.velero !== undefined) {
      console.error(`--clusters, --nodes and --velero are for up only\n${usage}`);
      return 2;
    }
    await down(dir === undefined ? {} : { dir });
    return 0;
  }
  console.error(`unknown command ${JSON.stringify(command)}\n${usage}`);
  return 2;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`testbed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
