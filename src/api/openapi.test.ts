import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ControlContext } from '../control/index.ts';
import { openApiDocument } from './route.ts';
import { apiRoutes } from './routes.ts';

type Json = Record<string, unknown>;

test('the OpenAPI document describes every route, its parameters, its role and its body', () => {
  // Handlers are not called: the route table is all the document needs.
  const routes = apiRoutes({} as ControlContext);
  const doc = openApiDocument(routes, '1.0.0') as {
    openapi: string;
    paths: Record<string, Record<string, Json>>;
  };
  assert.equal(doc.openapi, '3.1.0');
  const operations = Object.values(doc.paths).flatMap((methods) => Object.keys(methods));
  assert.equal(operations.length, routes.length, 'one operation per route');
  const create = doc.paths['/api/v1/projects/{project}/locations']?.post as Json;
  assert.ok(create);
  assert.match(String(create.description), /Requires: admin/);
  assert.deepEqual(
    (create.parameters as Json[]).map((p) => [p.name, p.in, p.required]),
    [['project', 'path', true]],
  );
  const schema = ((create.requestBody as Json).content as Record<string, { schema: Json }>)[
    'application/json'
  ]?.schema;
  const variants = (schema?.oneOf ?? schema?.anyOf) as Json[];
  assert.deepEqual(
    variants.map((v) => ((v.properties as Record<string, Json>).provider as Json).const),
    ['aws', 'minio', 'gcp', 'azure'],
  );
  const minio = variants[1]?.properties as Record<string, Json>;
  assert.match(String(minio.secretAccessKey?.description), /secret: write-only/);
  const list = doc.paths['/api/v1/projects/{project}/backups']?.get as Json;
  assert.deepEqual(
    (list.parameters as Json[]).map((p) => p.name),
    ['project', 'cluster', 'workspace', 'group', 'location'],
  );
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, operation] of Object.entries(methods))
      assert.ok(operation.summary, `${method} ${path} has a summary`);
});
