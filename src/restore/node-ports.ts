/**
 * Node ports of restored Services, as Velero treats them (pkg/restore/actions/service_action.go): a node port
 * the user set explicitly is kept, one the API server assigned is dropped so the target assigns its own. A
 * port counts as explicit when `kubectl apply`'s last-applied configuration names it, or (server-side apply,
 * `kubectl create`, any client) when a field manager owns `spec.ports[...].nodePort`. When a kept port is
 * taken in the target, the restore drops it and warns rather than failing the Service.
 */
import { describeError, KubeApiError } from '../kube/index.ts';
import type { KubeJson } from './sanitize.ts';

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

type Port = Record<string, unknown>;

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** The managed-fields key of a port: `k:{"port":80,"protocol":"TCP"}`. */
function portKey(port: Port): string {
  return `k:{"port":${Number(port.port)},"protocol":"${String(port.protocol ?? 'TCP')}"}`;
}

/**
 * Which ports of a Service (as backed up, with its metadata) have a node port set by the user: a predicate
 * over its `spec.ports` entries.
 */
export function explicitNodePorts(service: KubeJson): (port: Port) => boolean {
  const metadata = service.metadata as Record<string, unknown>;
  const applied = record(metadata.annotations)?.[lastApplied];
  if (typeof applied === 'string') {
    // Velero reads only the annotation when there is one.
    const names = new Set<string>();
    const unnamed = new Set<number>();
    try {
      const config = record(JSON.parse(applied));
      for (const entry of (record(config?.spec)?.ports as unknown[] | undefined) ?? []) {
        const port = record(entry);
        const nodePort = Number(port?.nodePort);
        if (!port || !(nodePort > 0)) continue;
        if (typeof port.name === 'string' && port.name !== '') names.add(port.name);
        else unnamed.add(nodePort);
      }
    } catch {
      // An annotation that is not JSON names no port.
    }
    return (port) =>
      typeof port.name === 'string' && port.name !== ''
        ? names.has(port.name)
        : unnamed.has(Number(port.nodePort));
  }
  const owned = new Set<string>();
  for (const entry of (metadata.managedFields as unknown[] | undefined) ?? []) {
    const ports = record(record(record(record(entry)?.fieldsV1)?.['f:spec'])?.['f:ports']);
    for (const [key, fields] of Object.entries(ports ?? {})) {
      if (record(fields)?.['f:nodePort'] !== undefined) owned.add(key);
    }
  }
  return (port) => owned.has(portKey(port));
}

/**
 * Drops the node ports the API server assigned (and the health-check node port unless set explicitly), keeps
 * the explicit ones. Works on `spec` in place; `source` is the Service as backed up (its metadata intact).
 */
export function dropAssignedNodePorts(source: KubeJson, spec: Record<string, unknown>): void {
  if (spec.type === 'ExternalName') return;
  const explicit = explicitNodePorts(source);
  for (const entry of (spec.ports as unknown[] | undefined) ?? []) {
    const port = record(entry);
    if (port && !explicit(port)) delete port.nodePort;
  }
  if (spec.healthCheckNodePort !== undefined && !healthCheckPortIsExplicit(source))
    delete spec.healthCheckNodePort;
}

function healthCheckPortIsExplicit(service: KubeJson): boolean {
  const metadata = service.metadata as Record<string, unknown>;
  const applied = record(metadata.annotations)?.[lastApplied];
  if (typeof applied === 'string') {
    try {
      if (Number(record(record(JSON.parse(applied))?.spec)?.healthCheckNodePort) > 0) return true;
    } catch {
      // Not JSON: not explicit.
    }
  }
  return ((metadata.managedFields as unknown[] | undefined) ?? []).some(
    (entry) => record(record(record(entry)?.fieldsV1)?.['f:spec'])?.['f:healthCheckNodePort'] !== undefined,
  );
}

/** The node ports a Service to be created asks for. */
export function requestedNodePorts(service: KubeJson): number[] {
  const spec = record(service.spec);
  const ports = ((spec?.ports as unknown[] | undefined) ?? [])
    .map((entry) => Number(record(entry)?.nodePort))
    .filter((port) => port > 0);
  const health = Number(spec?.healthCheckNodePort);
  return health > 0 ? [...ports, health] : ports;
}

/** Whether an API error says a node port asked for is taken (the API server's "already allocated"). */
export function isNodePortTaken(error: unknown): boolean {
  return (
    error instanceof KubeApiError &&
    error.status === 422 &&
    /port is already allocated|provided port is already/i.test(describeError(error))
  );
}

/** A copy of a Service without any node port: the target assigns them. */
export function withoutNodePorts(service: KubeJson): KubeJson {
  const spec = { ...record(service.spec) };
  spec.ports = ((spec.ports as unknown[] | undefined) ?? []).map((entry) => {
    const { nodePort: _dropped, ...rest } = record(entry) ?? {};
    return rest;
  });
  delete spec.healthCheckNodePort;
  return { ...service, spec };
}

const taken = (ports: number[]) =>
  `${ports.length === 1 ? `node port ${ports[0]} is` : `node ports ${ports.join(', ')} are`} taken in the target cluster`;

/** The warning of a Service whose node ports were taken in the target. */
export function nodePortTakenMessage(namespace: string | undefined, name: string, ports: number[]): string {
  return `Service ${namespace ? `${namespace}/` : ''}${name}: ${taken(ports)}; it was restored with ports the target assigned`;
}

/** The plan's verdict on a Service whose node ports are taken in the target. */
export function nodePortTakenVerdict(ports: number[]): string {
  return `accepted with a change: ${taken(ports)}; the restore lets the target assign them`;
}
