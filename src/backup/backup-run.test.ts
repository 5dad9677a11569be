import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { backupKeys } from '../archive/index.ts';
import type { KubeClient, KubeRequest, KubeResponse } from '../kube/index.ts';
import { FileObjectStore, type ObjectStore, type PutOptions } from '../storage/index.ts';
import { runBackup } from './backup.ts';

const namespace = 'shop';

/** An API server of one namespace of ConfigMaps with random (incompressible) data, paged by 500. */
class ConfigMapServer implements KubeClient {
  readonly server = 'https://configmaps.test';
  private readonly items: string[];

  constructor(count: number) {
    this.items = Array.from({ length: count }, (_, i) =>
      JSON.stringify({
        metadata: { name: `cm-${String(i).padStart(5, '0')}`, namespace, uid: `u-${i}` },
        data: { random: randomBytes(1500).toString('base64') },
      }),
    );
  }

  async request(request: KubeRequest): Promise<KubeResponse> {
    await new Promise((resolve) => setImmediate(resolve));
    const json = (value: unknown): KubeResponse => ({
      status: 200,
      body: Buffer.from(JSON.stringify(value)),
      contentType: 'application/json',
    });
    const verbs = ['create', 'delete', 'get', 'list'];
    if (request.path === '/version') return json({ gitVersion: 'v1.34.0', major: '1', minor: '34' });
    if (request.path === '/api') return json({ kind: 'APIVersions', versions: ['v1'] });
    if (request.path === '/apis') return json({ kind: 'APIGroupList', groups: [] });
    if (request.path === '/api/v1')
      return json({
        kind: 'APIResourceList',
        resources: [
          { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs },
          { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs },
        ],
      });
    if (request.path === '/api/v1/namespaces')
      return json({ kind: 'NamespaceList', metadata: {}, items: [{ metadata: { name: namespace } }] });
    const from = Number(request.query?.continue ?? 0);
    const next = from + 500 < this.items.length ? `"continue":"${from + 500}"` : '';
    const body = `{"kind":"ConfigMapList","metadata":{${next}},"items":[${this.items.slice(from, from + 500).join(',')}]}`;
    return { status: 200, body: Buffer.from(body), contentType: 'application/json' };
  }

  async close(): Promise<void> {}
}

/**
 * A file store whose upload of tarballs reads the first bytes, then fails — as an S3 upload that loses its
 * connection. Stopping the read destroys the body; the failure comes `delayMs` later (an SDK that retries
 * or cleans up first), so the backup sees the stream's abort before the upload's reason.
 */
class FailingTarballStore implements ObjectStore {
  readonly description: string;
  private readonly inner: FileObjectStore;
  private readonly delayMs: number;
  constructor(root: string, delayMs = 0) {
    this.inner = new FileObjectStore(root);
    this.delayMs = delayMs;
    this.description = this.inner.description;
  }
  async put(key: string, body: Buffer | Readable, options?: PutOptions): Promise<void> {
    if (!key.endsWith('.tar.gz') || Buffer.isBuffer(body)) return this.inner.put(key, body, options);
    let read = 0;
    for await (const chunk of body) {
      read += (chunk as Buffer).length;
      if (read > 64 * 1024) break;
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    throw new Error('the location dropped the connection');
  }
  get(key: string): Promise<Readable> {
    return this.inner.get(key);
  }
  head(key: string) {
    return this.inner.head(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  listPrefixes(prefix: string): Promise<string[]> {
    return this.inner.listPrefixes(prefix);
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

for (const delayMs of [0, 200]) {
  test(`a tarball upload that fails while lists are still writing fails the backup with its reason, at once (failing ${delayMs} ms after it stops reading)`, {
    timeout: 30_000,
  }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'lifeboat-backup-run-'));
    try {
      const store = new FailingTarballStore(root, delayMs);
      const started = Date.now();
      const outcome = await runBackup({ name: 'dropped', kube: new ConfigMapServer(3000), store });
      assert.equal(outcome.description.phase, 'Failed');
      assert.match(outcome.description.failureReason ?? '', /the location dropped the connection/);
      // The upload's failure is the backup's, not an error of the list that was writing.
      assert.deepEqual(outcome.errors.namespaces ?? {}, {}, JSON.stringify(outcome.errors));
      assert.ok(Date.now() - started < 20_000);
      // Nothing of the failed backup is left.
      const left: string[] = [];
      for await (const object of store.list(backupKeys('dropped').dir)) left.push(object.key);
      assert.deepEqual(left, []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
}
