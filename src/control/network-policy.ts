/**
 * Which addresses the server may connect to on a user's behalf. Validating a location, checking a cluster and
 * every job make requests to hosts a user chose: without a policy, a project admin could make the server
 * reach its own loopback services, the private network it sits in, or the cloud's metadata service
 * (169.254.169.254, which hands out the server's credentials).
 *
 * Two settings, read once at start:
 * - `LIFEBOAT_PRIVATE_TARGETS`: `clusters` (default; clusters usually sit on private networks, stores are
 *   reached over the Internet), `deny` (neither may) or `allow` (both may; the test bed's stores are on
 *   127.0.0.1). Private means loopback, RFC 1918, carrier-grade NAT, unique-local IPv6 and unspecified.
 * - `LIFEBOAT_LINK_LOCAL_TARGETS`: `deny` (default) or `allow`: link-local addresses (169.254.0.0/16,
 *   fe80::/10) and the metadata services, for clusters and locations alike.
 *
 * Host names are resolved and every address checked before the request; the request itself resolves the name
 * again, so a name whose answers change in between (DNS rebinding) is not caught: the README says so.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { ObjectStore } from '../storage/index.ts';
import { InputError } from './errors.ts';
import type { LocationInput } from './schemas.ts';

export type TargetKind = 'cluster' | 'location';
export type AddressClass = 'public' | 'private' | 'link-local';

export interface NetworkPolicy {
  privateTargets: 'deny' | 'clusters' | 'allow';
  linkLocalTargets: 'deny' | 'allow';
}

export const defaultNetworkPolicy: NetworkPolicy = { privateTargets: 'clusters', linkLocalTargets: 'deny' };

/** A target the policy refuses; the message names the address and the setting that would allow it. */
export class TargetRefusedError extends InputError {
  readonly host: string;
  readonly address: string;
  readonly addressClass: AddressClass;
  constructor(fields: {
    what: string;
    host: string;
    address: string;
    addressClass: AddressClass;
    setting: string;
  }) {
    const at = fields.host === fields.address ? fields.address : `${fields.host} (${fields.address})`;
    super(
      `${fields.what} is at ${at}, a ${fields.addressClass === 'private' ? 'private or loopback' : 'link-local (cloud metadata)'} address, which this server does not connect to on a user's behalf: use a public address, or ask the administrator to set ${fields.setting}`,
    );
    this.host = fields.host;
    this.address = fields.address;
    this.addressClass = fields.addressClass;
  }
}

function setting(
  env: Record<string, string | undefined>,
  name: string,
  values: readonly string[],
  fallback: string,
) {
  const value = env[name]?.trim() || fallback;
  if (!values.includes(value))
    throw new Error(`${name}="${value}" is not a setting: use ${values.join(', ')} (default ${fallback})`);
  return value;
}

/** The policy the environment sets; throws a sentence for a value that is not one. */
export function networkPolicyFromEnv(env: Record<string, string | undefined>): NetworkPolicy {
  return {
    privateTargets: setting(
      env,
      'LIFEBOAT_PRIVATE_TARGETS',
      ['deny', 'clusters', 'allow'],
      'clusters',
    ) as NetworkPolicy['privateTargets'],
    linkLocalTargets: setting(
      env,
      'LIFEBOAT_LINK_LOCAL_TARGETS',
      ['deny', 'allow'],
      'deny',
    ) as NetworkPolicy['linkLocalTargets'],
  };
}

/** One line for the server's start-up message. */
export function describeNetworkPolicy(policy: NetworkPolicy): string {
  const privateTo = {
    deny: 'refused for clusters and locations',
    clusters: 'allowed for clusters only',
    allow: 'allowed for clusters and locations',
  }[policy.privateTargets];
  return `private addresses ${privateTo} (LIFEBOAT_PRIVATE_TARGETS), link-local and metadata addresses ${policy.linkLocalTargets === 'allow' ? 'allowed' : 'refused'} (LIFEBOAT_LINK_LOCAL_TARGETS)`;
}

const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');
// Metadata services outside the link-local ranges: AWS over IPv6, Alibaba Cloud.
linkLocal.addAddress('fd00:ec2::254', 'ipv6');
linkLocal.addAddress('100.100.100.200', 'ipv4');

const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking, used inside data centres
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const)
  privateRanges.addSubnet(network, prefix, 'ipv4');
privateRanges.addAddress('::', 'ipv6');
privateRanges.addAddress('::1', 'ipv6');
privateRanges.addSubnet('fc00::', 7, 'ipv6');
privateRanges.addSubnet('ff00::', 8, 'ipv6');

/** The IPv4 address an IPv6 one carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | undefined {
  const dotted = address.match(/^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
  if (dotted) return dotted;
  const hex = address.match(/^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1] as string, 16);
  const low = Number.parseInt(hex[2] as string, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** What kind of address an IP address is. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v4 = isIP(bare) === 6 ? embeddedIpv4(bare) : undefined;
  const [ip, family] = v4
    ? [v4, 'ipv4' as const]
    : [bare, isIP(bare) === 4 ? ('ipv4' as const) : ('ipv6' as const)];
  if (linkLocal.check(ip, family)) return 'link-local';
  if (privateRanges.check(ip, family)) return 'private';
  return 'public';
}

function allowed(policy: NetworkPolicy, kind: TargetKind, addressClass: AddressClass): boolean {
  if (addressClass === 'link-local') return policy.linkLocalTargets === 'allow';
  if (addressClass === 'private')
    return policy.privateTargets === 'allow' || (policy.privateTargets === 'clusters' && kind === 'cluster');
  return true;
}

/**
 * Throws `TargetRefusedError` when `url`'s host is, or resolves to, an address the policy refuses for this
 * kind of target. A name that does not resolve is left to the request, which says so in its own words.
 */
export async function checkTarget(
  policy: NetworkPolicy,
  kind: TargetKind,
  url: string,
  what: string,
): Promise<void> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return;
  }
  if (!host) return;
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch {
      return;
    }
  }
  for (const address of addresses) {
    const addressClass = classifyAddress(address);
    if (!allowed(policy, kind, addressClass))
      throw new TargetRefusedError({
        what,
        host,
        address,
        addressClass,
        setting:
          addressClass === 'link-local'
            ? 'LIFEBOAT_LINK_LOCAL_TARGETS=allow'
            : kind === 'cluster'
              ? 'LIFEBOAT_PRIVATE_TARGETS=clusters (or allow)'
              : 'LIFEBOAT_PRIVATE_TARGETS=allow',
      });
  }
}

/** The URLs a location's store is reached at, beyond the clouds' own endpoints. */
export function locationTargets(input: LocationInput): { url: string; what: string }[] {
  const targets: { url: string; what: string }[] = [];
  if (input.endpoint) targets.push({ url: input.endpoint, what: `the endpoint ${input.endpoint}` });
  if (input.provider === 'aws' && input.credentials.kind === 'sts' && input.credentials.stsEndpoint)
    targets.push({
      url: input.credentials.stsEndpoint,
      what: `the STS endpoint ${input.credentials.stsEndpoint}`,
    });
  if (input.provider === 'gcp' && input.serviceAccountKey) {
    // The key names where its tokens are fetched: the server posts there.
    const tokenUri = (JSON.parse(input.serviceAccountKey) as { token_uri?: unknown }).token_uri;
    if (typeof tokenUri === 'string')
      targets.push({ url: tokenUri, what: `the key's token_uri ${tokenUri}` });
  }
  return targets;
}

/** Throws `TargetRefusedError` when the policy refuses an address a location's store is reached at. */
export async function checkLocationTargets(policy: NetworkPolicy, input: LocationInput): Promise<void> {
  for (const target of locationTargets(input)) await checkTarget(policy, 'location', target.url, target.what);
}

/**
 * A store whose every operation first passes `check` (run once): jobs, sync and expiry open a saved location
 * synchronously, and its addresses are checked before the first request goes out.
 */
export function guardedStore(store: ObjectStore, check: () => Promise<void>): ObjectStore {
  let checked: Promise<void> | undefined;
  const ready = () => {
    checked ??= check();
    return checked;
  };
  return {
    description: store.description,
    put: async (key, body, options) => {
      await ready();
      return store.put(key, body, options);
    },
    get: async (key) => {
      await ready();
      return store.get(key);
    },
    head: async (key) => {
      await ready();
      return store.head(key);
    },
    list: (prefix) => ({
      async *[Symbol.asyncIterator]() {
        await ready();
        yield* store.list(prefix);
      },
    }),
    listPrefixes: async (prefix) => {
      await ready();
      return store.listPrefixes(prefix);
    },
    delete: async (keys) => {
      await ready();
      return store.delete(keys);
    },
    close: () => store.close(),
  };
}
