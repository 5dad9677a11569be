/**
 * A restore's `volumeSource` through the API, in-process (Hono's `app.request`, the embedded store): a value
 * other than auto, snapshot or copy is a 400 naming the field and the allowed values — for the plan, the
 * restore and a group's restore alike — and the OpenAPI document describes the field with its values and
 * default. What each value does is tested on the test bed (kept-snapshot-restore.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openApiDocument } from '../../src/api/route.ts';
import { apiRoutes } from '../../src/api/routes.ts';
import type { ControlContext } from '../../src/control/index.ts';
import { startTestPlane, type TestPlane } from '../support/control.ts';

type Json = Record<string, unknown>;
interface ErrorBody {
  error: { message: string; issues?: { path: string; message: string }[] };
}

describe('the volume source of a restore, through the API', () => {
  let t: TestPlane;
  before(async () => {
    t = await startTestPlane('embedded');
    assert.equal((await t.api.call('POST', '/projects', t.adminToken, { name: 'vs' })).status, 201);
  });
  after(async () => {
    await t?.close();
  });

  test('a volume source other than auto, snapshot or copy is a 400 naming the field and the values', async () => {
    const body = { backup: 'nightly', targetCluster: 'prod' };
    const requests: [string, Json][] = [
      ['/projects/vs/restores/plan', body],
      ['/projects/vs/restores', body],
      ['/projects/vs/backup-groups/g/restores/plan', {}],
      ['/projects/vs/backup-groups/g/restores', {}],
    ];
    for (const [path, rest] of requests)
      for (const bad of ['both', 'Copy', '', 1, null]) {
        const answer = await t.api.call<ErrorBody>('POST', path, t.adminToken, {
          ...rest,
          volumeSource: bad,
        });
        assert.equal(answer.status, 400, `${path} ${JSON.stringify(bad)}: ${answer.text}`);
        assert.deepEqual(
          answer.body.error.issues,
          [
            {
              path: 'volumeSource',
              message:
                "give auto (the kept CSI snapshot where the target can use it, else the copy), snapshot (CSI snapshots only) or copy (copies in the location's volume repository only)",
            },
          ],
          answer.text,
        );
      }
  });

  test('a good volume source passes validation (then the backup is looked for)', async () => {
    for (const volumeSource of ['auto', 'snapshot', 'copy']) {
      const answer = await t.api.call<ErrorBody>('POST', '/projects/vs/restores/plan', t.adminToken, {
        backup: 'nightly',
        targetCluster: 'prod',
        volumeSource,
      });
      assert.equal(answer.status, 404, answer.text);
      assert.match(answer.body.error.message, /nightly/);
    }
  });

  test('the OpenAPI document describes the field, its values and its default', () => {
    const doc = openApiDocument(apiRoutes({} as ControlContext), '1.0.0') as {
      paths: Record<string, Record<string, Json>>;
    };
    for (const path of ['/api/v1/projects/{project}/restores', '/api/v1/projects/{project}/restores/plan']) {
      const operation = doc.paths[path]?.post as Json;
      const schema = ((operation.requestBody as Json).content as Record<string, { schema: Json }>)[
        'application/json'
      ]?.schema as { properties: Record<string, Json> };
      const field = schema.properties.volumeSource;
      assert.deepEqual(field?.enum, ['auto', 'snapshot', 'copy'], path);
      assert.equal(field?.default, 'auto', path);
      assert.match(String(field?.description), /copy \(copies only, even where the snapshot is usable/, path);
    }
    const create = doc.paths['/api/v1/projects/{project}/restores']?.post as Json;
    assert.match(String(create.summary), /volumeSource auto\|snapshot\|copy/);
  });
});
