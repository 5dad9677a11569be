import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocationError } from './errors.ts';
import { type Location, locationsOverlap, parseLocation } from './location.ts';

describe('parseLocation takes paths literally', () => {
  const refused = [
    's3://bucket/a/../b',
    's3://bucket/../b',
    's3://bucket/a/..',
    's3://bucket/a/%2e%2e/b',
    's3://bucket/a/%2E%2E/b?region=eu-west-1',
    's3://bucket/a/./b',
    's3://bucket/a//b',
    's3://bucket//a',
    's3://bucket/a\\..\\b',
    'gs://bucket/team/../other',
    'azblob://account/container/a/../b',
    'azblob://account/container/../other-container/x',
    'file:///srv/backups/../etc',
    'file:///srv/./backups',
    'file:///srv//backups',
    '/srv/backups/../../etc',
    '/srv/backups/./x',
    './backups/../../elsewhere',
  ];
  for (const text of refused) {
    test(`refuses ${text}`, () => {
      assert.throws(
        () => parseLocation(text),
        (error: unknown) =>
          error instanceof LocationError &&
          /in its path: location paths are taken literally, never resolved/.test(error.message),
      );
    });
  }

  test('names the segment it refuses', () => {
    assert.throws(() => parseLocation('s3://bucket/a/../b'), /has a "\.\." segment/);
    assert.throws(() => parseLocation('s3://bucket/a/./b'), /has a "\." segment/);
    assert.throws(() => parseLocation('gs://bucket/a//b'), /has an empty segment/);
  });

  test('keeps the folder written, with or without a trailing slash', () => {
    assert.deepEqual(parseLocation('s3://bucket/a/b/?region=eu-west-1'), {
      provider: 's3',
      bucket: 'bucket',
      prefix: 'a/b',
      region: 'eu-west-1',
      forcePathStyle: false,
    });
    assert.deepEqual(parseLocation('gs://bucket'), { provider: 'gcs', bucket: 'bucket', prefix: '' });
    assert.deepEqual(parseLocation('azblob://account/container/x.y..z'), {
      provider: 'azure',
      account: 'account',
      container: 'container',
      prefix: 'x.y..z',
    });
    assert.deepEqual(parseLocation('file:///srv/backups/'), { provider: 'file', dir: '/srv/backups/' });
    assert.deepEqual(parseLocation('/srv/backups'), { provider: 'file', dir: '/srv/backups' });
  });

  test('a relative local path may start with ./ or ../ (resolved against the working directory)', () => {
    assert.equal((parseLocation('./backups') as { dir: string }).dir, `${process.cwd()}/backups`);
    assert.equal((parseLocation('.') as { dir: string }).dir, process.cwd());
    assert.equal(
      (parseLocation('../backups') as { dir: string }).dir,
      `${process.cwd().replace(/\/[^/]+$/, '')}/backups`,
    );
  });
});

describe('locationsOverlap', () => {
  const s3 = (prefix: string, extra = ''): Location => parseLocation(`s3://bucket/${prefix}${extra}`);

  test('one prefix equal to or inside the other, at / boundaries', () => {
    assert.equal(locationsOverlap(s3('a/b'), s3('a/b')), true);
    assert.equal(locationsOverlap(s3('a/b'), s3('a/b/c')), true);
    assert.equal(locationsOverlap(s3('a/b/c'), s3('a/b')), true);
    assert.equal(locationsOverlap(s3(''), s3('anything/below')), true);
    assert.equal(locationsOverlap(s3('a/b'), s3('a/bc')), false);
    assert.equal(locationsOverlap(s3('a/bc'), s3('a/b')), false);
    assert.equal(locationsOverlap(s3('a/b'), s3('a/c')), false);
    assert.equal(locationsOverlap(s3('a/b/'), s3('a/b')), true);
  });

  test('S3: same bucket on AWS whatever the region or AWS endpoint; another bucket or server is apart', () => {
    assert.equal(locationsOverlap(s3('x', '?region=eu-west-1'), s3('x/y', '?region=us-east-1')), true);
    assert.equal(
      locationsOverlap(
        s3('x'),
        s3('x', `?endpoint=${encodeURIComponent('https://s3.eu-west-1.amazonaws.com')}`),
      ),
      true,
    );
    assert.equal(locationsOverlap(s3('x'), parseLocation('s3://other-bucket/x')), false);
    const minio = (host: string) => s3('x', `?endpoint=${encodeURIComponent(host)}&forcePathStyle=true`);
    assert.equal(locationsOverlap(s3('x'), minio('https://minio.local:9000')), false);
    assert.equal(
      locationsOverlap(minio('https://minio.local:9000'), minio('https://minio.local:9001')),
      false,
    );
    assert.equal(
      locationsOverlap(minio('http://minio.local:9000'), minio('https://minio.local:9000')),
      false,
    );
  });

  test('endpoints compare by scheme, host and port, default ports and case made explicit', () => {
    const at = (endpoint: string, prefix = 'x') =>
      parseLocation(`s3://bucket/${prefix}?endpoint=${encodeURIComponent(endpoint)}`);
    assert.equal(
      locationsOverlap(at('https://MinIO.Example.com'), at('https://minio.example.com:443/')),
      true,
    );
    assert.equal(
      locationsOverlap(at('http://minio.example.com'), at('http://minio.example.com:80', 'x/y')),
      true,
    );
    assert.equal(
      locationsOverlap(at('http://minio.example.com'), at('http://minio.example.com:8080')),
      false,
    );
  });

  test('GCS: default endpoint made explicit; emulators apart from Google', () => {
    assert.equal(
      locationsOverlap(
        parseLocation('gs://bucket/a'),
        parseLocation(`gs://bucket/a/b?endpoint=${encodeURIComponent('https://storage.googleapis.com:443')}`),
      ),
      true,
    );
    assert.equal(
      locationsOverlap(
        parseLocation('gs://bucket/a'),
        parseLocation(`gs://bucket/a?endpoint=${encodeURIComponent('http://127.0.0.1:4443')}`),
      ),
      false,
    );
    assert.equal(locationsOverlap(parseLocation('gs://bucket/a'), s3('a')), false, 'another provider');
  });

  test('Azure: same account and container; another container or account is apart', () => {
    const az = (text: string) => parseLocation(`azblob://${text}`);
    assert.equal(locationsOverlap(az('acct/cont/a'), az('acct/cont/a/b')), true);
    assert.equal(
      locationsOverlap(
        az('acct/cont/a'),
        az(`acct/cont?endpoint=${encodeURIComponent('https://acct.blob.core.windows.net')}`),
      ),
      true,
    );
    assert.equal(locationsOverlap(az('acct/cont/a'), az('acct/other/a')), false);
    assert.equal(locationsOverlap(az('acct/cont/a'), az('acct2/cont/a')), false);
  });

  test('file: one directory inside the other', () => {
    const file = (dir: string) => parseLocation(dir);
    assert.equal(locationsOverlap(file('/srv/backups'), file('file:///srv/backups/team')), true);
    assert.equal(locationsOverlap(file('/srv/backups/'), file('/srv/backups')), true);
    assert.equal(locationsOverlap(file('/srv/backups'), file('/srv/backups2')), false);
    assert.equal(locationsOverlap(file('/'), file('/srv')), true);
  });
});
