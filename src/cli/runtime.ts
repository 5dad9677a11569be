import { setFlagsFromString } from 'node:v8';

/**
 * Node flags the `lifeboat` process runs with (bin/lifeboat.js, the npm scripts, the benchmarks' engine
 * processes). V8 sizes its young generation by the machine's memory — up to 3 × 32 MiB on a 24 GiB
 * machine — which a streaming engine does not need: with 4 MiB semi-spaces a 100,000-object backup peaks at
 * ~300 MiB instead of ~400 MiB RSS, at the same speed (measured: 12.6 s against 12.4 s).
 */
export const nodeFlags = ['--max-semi-space-size=4'] as const;

/**
 * V8's accounting for a process that moves volume data (a mover pod, `lifeboat repository restore`): its
 * packs arrive over TLS in 16 KiB chunks held outside the JavaScript heap, and by default that external
 * memory alone sets off a full collection of the whole heap 16–20 times per 200 MiB restored. Counted in
 * the heap's global limit instead, it sets off 4–12 (measured on `bench mover`: restore 7.6 → 4.3 s, CPU
 * 4.2 → 3.1 s, at a peak RSS about 100 MiB higher, under the mover pod's 1 GiB limit). Node refuses the flag
 * in NODE_OPTIONS, so the commands set it as they start; V8 reads it at each collection.
 */
export function tuneHeapForVolumeData(): void {
  setFlagsFromString('--external-memory-accounted-in-global-limit');
}
