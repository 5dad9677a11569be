/**
 * The objects a run of Lifeboat makes for snapshots (VolumeSnapshots, contents): created under a name
 * derived from the run, so a re-run finds and keeps its own; and waited for until gone once deleted.
 */
import { KubeApiError, type KubeClient, type KubeObject } from '../kube/index.ts';
import { createObject, getObject, pollUntil } from './resources.ts';

/**
 * Creates `object` in `collection`; when an object of its name exists (409), reads it at `path` and asks
 * `conflict` whether it is this run's own (undefined: kept as it is) or not (the reason, returned). An object
 * deleted between the two calls is created again.
 *
 * @returns undefined when the object is there and this run's; else what `conflict` said.
 * @throws KubeApiError for any other answer of the API server.
 */
export async function createOrOwn(
  kube: KubeClient,
  collection: string,
  path: string,
  object: object,
  conflict: (live: KubeObject) => string | undefined,
): Promise<string | undefined> {
  try {
    await createObject(kube, collection, object);
    return undefined;
  } catch (error) {
    if (!(error instanceof KubeApiError && error.status === 409)) throw error;
  }
  const live = await getObject(kube, path);
  if (live) return conflict(live);
  await createObject(kube, collection, object);
  return undefined;
}

/** Waits until the object at `path` no longer exists; whether it went before `deadline` (epoch ms). */
export async function waitGone(kube: KubeClient, path: string, deadline: number): Promise<boolean> {
  const gone = await pollUntil(deadline, async () => ((await getObject(kube, path)) ? undefined : true));
  return gone === true;
}
