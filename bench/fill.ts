/**
 * Fills a test-bed cluster for benchmarking by hand: `node bench/fill.ts <kubeconfig> <objects>`.
 * (`npm run bench` does this itself; this is for repeated measurements against one filled cluster.)
 */
import { HttpKubeClient, loadConnection } from '../src/kube/index.ts';
import { fillCluster } from './cluster-fill.ts';

const [kubeconfig, count] = process.argv.slice(2);
if (!kubeconfig || !count) {
  console.error('usage: node bench/fill.ts <kubeconfig> <objects>');
  process.exit(2);
}
const kube = new HttpKubeClient(await loadConnection({ file: kubeconfig }), { maxInFlight: 32 });
await fillCluster(kube, Number(count), 'bench', (line) => console.log(line));
await kube.close();
