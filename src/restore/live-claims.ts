/** The target's claims as the volume steps of a restore read and remove them (a 404 is an answer, not an error). */
import { KubeApiError, type KubeClient } from '../kube/index.ts';

const claimPath = (namespace: string, pvc: string) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${encodeURIComponent(pvc)}`;

/** The claim `namespace/pvc` in the target, or undefined when there is none. */
export async function getClaim(
  kube: KubeClient,
  namespace: string,
  pvc: string,
): Promise<{ status?: { phase?: string } } | undefined> {
  try {
    const response = await kube.request({ method: 'GET', path: claimPath(namespace, pvc) });
    return JSON.parse(response.body.toString('utf8')) as { status?: { phase?: string } };
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Deletes the claim; false when it was gone already. */
export async function deleteClaim(kube: KubeClient, namespace: string, pvc: string): Promise<boolean> {
  try {
    await kube.request({ method: 'DELETE', path: claimPath(namespace, pvc) });
    return true;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return false;
    throw error;
  }
}
