import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient, KubeRequest, KubeResponse } from './client.ts';
import type { ApiResource } from './discovery.ts';
import { KubeApiError } from './errors.ts';
import { type ListPage, listPages } from './list.ts';

const configMaps: ApiResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  singular: 'configmap',
  shortNames: ['cm'],
  namespaced: true,
  verbs: ['list'],
};

const item = (name: string) =>
  `{"metadata":{"name":"${name}","namespace":"ns"},"data":{"k":"\\"${name}\\""}}`;

/**
 * An API server of ConfigMaps `cm-0`… for `listPages`, implementing the client port: pages of `limit`,
 * continue tokens `at-<index>`, and tokens it is told to treat as expired. It records each list asked for
 * and can hold an answer back until released, to see what is asked while a page is being worked on.
 */
class PagingServer implements KubeClient {
  readonly server = 'https://paging.test';
  readonly asked: string[] = [];
  expired = new Set<string>();
  failing = new Map<string, KubeApiError>();
  private readonly names: string[];

  constructor(count: number) {
    this.names = Array.from({ length: count }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
  }

  async request(request: KubeRequest): Promise<KubeResponse> {
    const token = request.query?.continue;
    this.asked.push(token ?? 'first');
    await new Promise((resolve) => setImmediate(resolve));
    const apiError = (status: number, reason: string) =>
      new KubeApiError({ status, reason, message: reason, method: 'GET', path: request.path });
    const failure = token === undefined ? undefined : this.failing.get(token);
    if (failure) throw failure;
    if (token !== undefined && this.expired.has(token)) {
      this.expired.delete(token);
      throw apiError(410, 'Expired');
    }
    const limit = Number(request.query?.limit);
    const from = token === undefined ? 0 : Number(token.slice(3));
    const names = this.names.slice(from, from + limit);
    const next = from + limit < this.names.length ? `at-${from + limit}` : undefined;
    const metadata = next
      ? `{"continue":"${next}","remainingItemCount":${this.names.length - from - limit}}`
      : '{}';
    const body = `{"kind":"ConfigMapList","apiVersion":"v1","metadata":${metadata},"items":[${names.map(item).join(',')}]}`;
    return { status: 200, body: Buffer.from(body), contentType: 'application/json' };
  }

  async close(): Promise<void> {}
}

const names = (page: ListPage) => page.items.map((listed) => listed.object.metadata.name);

test('listPages yields each page in order, objects as a GET gives them and the count remaining', async () => {
  const server = new PagingServer(5);
  const pages: ListPage[] = [];
  for await (const page of listPages(server, configMaps, { limit: 2 })) pages.push(page);
  assert.deepEqual(pages.map(names), [['cm-0000', 'cm-0001'], ['cm-0002', 'cm-0003'], ['cm-0004']]);
  assert.deepEqual(
    pages.map((page) => page.remainingItemCount),
    [3, 1, undefined],
  );
  assert.equal(
    pages[0]?.items[0]?.raw.toString(),
    `{"kind":"ConfigMap","apiVersion":"v1",${item('cm-0000').slice(1)}`,
  );
  assert.deepEqual(server.asked, ['first', 'at-2', 'at-4']);
});

test('listPages asks for the next page while the caller still works on the current one, one page ahead', async () => {
  const server = new PagingServer(7);
  const seen: string[][] = [];
  for await (const page of listPages(server, configMaps, { limit: 2 })) {
    // The caller is slow with each page: meanwhile the next one is asked for, and no more.
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen.push([...server.asked]);
    assert.ok(page.items.length > 0);
  }
  assert.deepEqual(seen, [
    ['first', 'at-2'],
    ['first', 'at-2', 'at-4'],
    ['first', 'at-2', 'at-4', 'at-6'],
    ['first', 'at-2', 'at-4', 'at-6'],
  ]);
});

test('listPages starts again when a continue token expires, skipping what it already yielded', async () => {
  const server = new PagingServer(5);
  server.expired.add('at-4');
  const yielded: string[] = [];
  for await (const page of listPages(server, configMaps, { limit: 2 })) yielded.push(...names(page));
  assert.deepEqual(yielded, ['cm-0000', 'cm-0001', 'cm-0002', 'cm-0003', 'cm-0004']);
  assert.deepEqual(server.asked, ['first', 'at-2', 'at-4', 'first', 'at-2', 'at-4']);
});

test('a failure of the page read ahead reaches the caller after the current page, not before', async () => {
  const server = new PagingServer(6);
  server.failing.set(
    'at-2',
    new KubeApiError({ status: 403, reason: 'Forbidden', message: 'no', method: 'GET', path: '/' }),
  );
  const yielded: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const page of listPages(server, configMaps, { limit: 2 })) yielded.push(...names(page));
    })(),
    (error: unknown) => error instanceof KubeApiError && error.status === 403,
  );
  assert.deepEqual(yielded, ['cm-0000', 'cm-0001']);
});

test('a caller that stops early leaves the page read ahead to fail unnoticed', async () => {
  const server = new PagingServer(6);
  server.failing.set(
    'at-2',
    new KubeApiError({ status: 500, reason: 'InternalError', message: 'x', method: 'GET', path: '/' }),
  );
  let unhandled: unknown;
  const onUnhandled = (reason: unknown) => {
    unhandled = reason;
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    for await (const page of listPages(server, configMaps, { limit: 2 })) {
      assert.equal(page.items.length, 2);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(server.asked, ['first', 'at-2']);
    assert.equal(unhandled, undefined);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
