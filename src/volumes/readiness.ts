/**
 * The fate of one VolumeSnapshot being taken: waiting until it is ReadyToUse (or failed, or out of time), and
 * discarding it with everything it made when it failed.
 */
import type { KubeClient, KubeObject } from '../kube/index.ts';
import {
  deleteObject,
  getObject,
  hasBoundProtection,
  mergePatchObject,
  paths,
  pollUntil,
  stringField,
} from './resources.ts';

export const defaultTimeoutMs = 10 * 60_000;

export type Readiness =
  | { ok: true; snapshot: KubeObject; contentName: string; handle: string }
  | { ok: false; timedOut: boolean; message?: string };

/** Waits for a VolumeSnapshot to be ReadyToUse with a bound content that has a handle. */
export async function waitReady(
  kube: KubeClient,
  namespace: string,
  name: string,
  started: number,
  options: { timeoutMs?: number; errorGraceMs?: number; pollIntervalMs?: number },
): Promise<Readiness> {
  const deadline = started + (options.timeoutMs ?? defaultTimeoutMs);
  const grace = options.errorGraceMs ?? 5000;
  let message: string | undefined;
  let errorSince: number | undefined;
  const result = await pollUntil(
    deadline,
    async (): Promise<Readiness | undefined> => {
      const snapshot = await getObject(kube, paths.volumeSnapshot(namespace, name));
      if (!snapshot)
        return {
          ok: false,
          timedOut: false,
          message: 'the VolumeSnapshot was deleted while it was being taken',
        };
      const contentName = stringField(snapshot, 'status', 'boundVolumeSnapshotContentName');
      const content = contentName
        ? await getObject(kube, paths.volumeSnapshotContent(contentName))
        : undefined;
      const handle = stringField(content, 'status', 'snapshotHandle');
      if (
        snapshot.status &&
        (snapshot.status as { readyToUse?: unknown }).readyToUse === true &&
        contentName &&
        handle
      )
        return { ok: true, snapshot, contentName, handle };
      // The controllers report passing errors (conflicts) too: an error counts once it has stood a while.
      const error =
        stringField(snapshot, 'status', 'error', 'message') ??
        stringField(content, 'status', 'error', 'message');
      if (error === undefined) errorSince = undefined;
      else {
        message = error.slice(0, 1000);
        errorSince ??= Date.now();
        if (Date.now() - errorSince >= grace) return { ok: false, timedOut: false, message };
      }
      return undefined;
    },
    options.pollIntervalMs ?? 500,
  );
  return result ?? { ok: false, timedOut: true, ...(message === undefined ? {} : { message }) };
}

/**
 * Removes a snapshot that failed, with its content and whatever the driver made. The controller never deletes
 * a content whose VolumeSnapshot is already gone (it guards against data loss), so a VolumeSnapshot deleted
 * before it is bound leaves its content behind: wait for the binding first (bounded), set the content to
 * Delete (whatever the class says), then delete the VolumeSnapshot and, if it is still there, the content.
 */
export async function discard(
  kube: KubeClient,
  namespace: string,
  name: string,
  settleMs = 30_000,
): Promise<void> {
  try {
    let uid: string | undefined;
    const bound = await pollUntil(Date.now() + settleMs, async () => {
      const snapshot = await getObject(kube, paths.volumeSnapshot(namespace, name));
      if (!snapshot) return '';
      uid = snapshot.metadata.uid;
      const content = stringField(snapshot, 'status', 'boundVolumeSnapshotContentName');
      return content && hasBoundProtection(snapshot) ? content : undefined;
    });
    // The controller names a dynamic snapshot's content after the VolumeSnapshot's uid.
    const contentName = bound || (uid ? `snapcontent-${uid}` : undefined);
    if (contentName && (await getObject(kube, paths.volumeSnapshotContent(contentName))))
      await mergePatchObject(kube, paths.volumeSnapshotContent(contentName), {
        spec: { deletionPolicy: 'Delete' },
      });
    await deleteObject(kube, paths.volumeSnapshot(namespace, name));
    await pollUntil(Date.now() + settleMs, async () =>
      (await getObject(kube, paths.volumeSnapshot(namespace, name))) ? undefined : true,
    );
    if (contentName) await deleteObject(kube, paths.volumeSnapshotContent(contentName));
  } catch {
    // Best effort: the failure being reported matters more than the leftover, which is labelled with the backup.
  }
}
