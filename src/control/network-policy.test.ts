import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkLocationTargets,
  checkTarget,
  classifyAddress,
  defaultNetworkPolicy,
  guardedStore,
  locationTargets,
  networkPolicyFromEnv,
  TargetRefusedError,
} from './network-policy.ts';
import { locationInput } from './schemas.ts';

test('addresses are classed as public, private (loopback included) or link-local (metadata included)', () => {
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['127.0.0.1', 'private'],
    ['127.8.9.10', 'private'],
    ['0.0.0.0', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['::1', 'private'],
    ['::', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:127.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['169.254.169.254', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['[fe80::1%eth0]', 'link-local'],
    ['fd00:ec2::254', 'link-local'],
    ['100.100.100.200', 'link-local'],
  ];
  for (const [address, expected] of cases) assert.equal(classifyAddress(address), expected, address);
});

test('the settings: clusters may be private by default, locations not, link-local for neither', async () => {
  assert.deepEqual(networkPolicyFromEnv({}), defaultNetworkPolicy);
  assert.throws(
    () => networkPolicyFromEnv({ LIFEBOAT_PRIVATE_TARGETS: 'yes' }),
    /LIFEBOAT_PRIVATE_TARGETS="yes" is not a setting: use deny, clusters, allow/,
  );
  const policy = defaultNetworkPolicy;
  await checkTarget(policy, 'cluster', 'https://10.0.0.1:6443', 'the API server');
  await checkTarget(policy, 'location', 'https://8.8.8.8', 'the endpoint');
  await assert.rejects(
    checkTarget(policy, 'location', 'http://127.0.0.1:9000', 'the endpoint http://127.0.0.1:9000'),
    (error: unknown) =>
      error instanceof TargetRefusedError &&
      /the endpoint http:\/\/127.0.0.1:9000 is at 127.0.0.1, a private or loopback address.*LIFEBOAT_PRIVATE_TARGETS=allow/.test(
        error.message,
      ),
  );
  await assert.rejects(
    checkTarget(policy, 'cluster', 'http://169.254.169.254/', 'the API server'),
    /link-local \(cloud metadata\).*LIFEBOAT_LINK_LOCAL_TARGETS=allow/,
  );
  // Names are resolved: localhost is loopback.
  await assert.rejects(
    checkTarget(policy, 'location', 'http://localhost:9000', 'the endpoint'),
    /localhost \((127\.0\.0\.1|::1)\)/,
  );
  const deny = networkPolicyFromEnv({ LIFEBOAT_PRIVATE_TARGETS: 'deny' });
  await assert.rejects(
    checkTarget(deny, 'cluster', 'https://[::1]:6443', 'the API server'),
    TargetRefusedError,
  );
  const allow = networkPolicyFromEnv({ LIFEBOAT_PRIVATE_TARGETS: 'allow' });
  await checkTarget(allow, 'location', 'http://127.0.0.1:9000', 'the endpoint');
  await assert.rejects(
    checkTarget(allow, 'location', 'http://169.254.169.254', 'the endpoint'),
    TargetRefusedError,
  );
  const all = networkPolicyFromEnv({
    LIFEBOAT_PRIVATE_TARGETS: 'allow',
    LIFEBOAT_LINK_LOCAL_TARGETS: 'allow',
  });
  await checkTarget(all, 'location', 'http://169.254.169.254', 'the endpoint');
});

test('a guarded store makes no request before its check passes', async () => {
  const calls: string[] = [];
  const store = {
    description: 'memory',
    put: async () => void calls.push('put'),
    get: async () => {
      calls.push('get');
      throw new Error('none');
    },
    head: async () => {
      calls.push('head');
      return undefined;
    },
    list: (_prefix: string) => ({
      async *[Symbol.asyncIterator]() {
        calls.push('list');
        yield* [];
      },
    }),
    listPrefixes: async () => {
      calls.push('listPrefixes');
      return [];
    },
    delete: async () => void calls.push('delete'),
    close: async () => undefined,
  };
  let checks = 0;
  const refused = guardedStore(store, async () => {
    checks++;
    throw new Error('refused');
  });
  await assert.rejects(refused.put('k', Buffer.from('x')), /refused/);
  await assert.rejects(refused.head('k'), /refused/);
  await assert.rejects(async () => {
    for await (const _ of refused.list('')) break;
  }, /refused/);
  await assert.rejects(refused.listPrefixes(''), /refused/);
  await assert.rejects(refused.delete(['k']), /refused/);
  assert.deepEqual(calls, []);
  assert.equal(checks, 1, 'checked once');
  const allowed = guardedStore(store, async () => undefined);
  await allowed.put('k', Buffer.from('x'));
  assert.deepEqual(calls, ['put']);
});

test("an AWS location's S3 URL and STS endpoint are checked like any endpoint", async () => {
  const input = locationInput.parse({
    provider: 'aws',
    name: 'role',
    bucket: 'b',
    region: 'us-east-1',
    endpoint: 'https://127.0.0.1:9000',
    forcePathStyle: true,
    credentials: { kind: 'sts', roleArn: 'arn:aws:iam::123456789012:role/x', stsEndpoint: 'https://8.8.8.8' },
  });
  assert.deepEqual(
    locationTargets(input).map((target) => target.url),
    ['https://127.0.0.1:9000', 'https://8.8.8.8'],
  );
  await assert.rejects(
    checkLocationTargets(defaultNetworkPolicy, input),
    /the endpoint https:\/\/127.0.0.1:9000 is at 127.0.0.1/,
  );
});
