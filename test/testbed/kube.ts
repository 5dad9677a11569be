/**
 * One Kubernetes control plane as plain processes: etcd, kube-apiserver and kube-controller-manager, each
 * with generated certificates, and a cluster-admin kubeconfig — the way controller-runtime's envtest runs it,
 * plus the controller manager so namespaces finish deleting, service accounts appear and Deployments get
 * ReplicaSets. With addresses (when the test bed has nodes) it also runs kube-scheduler; without, there is
 * no scheduler and pods stay Pending.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCa, createKeyPairPem, type Issued, issue } from './certs.ts';
import { httpCall } from './http.ts';
import { freePorts, type ProcessRegistry, waitFor } from './processes.ts';

/** A running cluster as env.json describes it. */
export interface ClusterEnv {
  name: string;
  kubeconfig: string;
  server: string;
}

/** How pods reach a cluster's API server (see host.ts): its service range and `kubernetes` service IP. */
export interface ClusterAddresses {
  /** The `kubernetes` service's cluster IP: the test bed forwards its port 443 to the API server. */
  apiAddress: string;
  serviceRange: string;
}

const defaultServiceRange = '10.96.0.0/16';

function kubeconfig(name: string, server: string, ca: Issued, user: Issued, userName: string): string {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  // JSON is valid YAML, and kubectl and client libraries read both.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server, 'certificate-authority-data': b64(ca.certPem) } }],
      users: [
        {
          name: userName,
          user: { 'client-certificate-data': b64(user.certPem), 'client-key-data': b64(user.keyPem) },
        },
      ],
      contexts: [{ name, context: { cluster: name, user: userName } }],
      'current-context': name,
    },
    null,
    2,
  );
}

/** Starts cluster `name` under `dir` and resolves once it is ready to use (default service account exists). */
export async function startCluster(
  registry: ProcessRegistry,
  bin: string,
  dir: string,
  name: string,
  /** With addresses (the cluster has a node): pods' service range, a certificate for it, a scheduler. */
  addresses?: ClusterAddresses,
): Promise<ClusterEnv> {
  await mkdir(join(dir, 'pki'), { recursive: true });
  const pki = (file: string) => join(dir, 'pki', file);
  const [etcdPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
  const serviceRange = addresses?.serviceRange ?? defaultServiceRange;
  const firstServiceIp = addresses?.apiAddress ?? '10.96.0.1';
  const server = `https://127.0.0.1:${apiPort}`;

  const ca = await createCa(`lifeboat-testbed-${name}-ca`);
  const serving = await issue(ca, {
    subject: 'CN=kube-apiserver',
    server: {
      dns: [
        'localhost',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
      ],
      ips: ['127.0.0.1', firstServiceIp],
    },
  });
  const admin = await issue(ca, { subject: 'CN=lifeboat-testbed-admin, O=system:masters', client: true });
  const controllerManager = await issue(ca, { subject: 'CN=system:kube-controller-manager', client: true });
  const saKey = await createKeyPairPem();
  await Promise.all([
    writeFile(pki('ca.crt'), ca.certPem),
    writeFile(pki('apiserver.crt'), serving.certPem),
    writeFile(pki('apiserver.key'), serving.keyPem, { mode: 0o600 }),
    writeFile(pki('sa.key'), saKey.privateKeyPem, { mode: 0o600 }),
    writeFile(pki('sa.pub'), saKey.publicKeyPem),
  ]);
  const adminKubeconfig = join(dir, `${name}.kubeconfig`);
  const kcmKubeconfig = join(dir, 'controller-manager.kubeconfig');
  await writeFile(adminKubeconfig, kubeconfig(name, server, ca, admin, 'admin'), { mode: 0o600 });
  await writeFile(kcmKubeconfig, kubeconfig(name, server, ca, controllerManager, 'controller-manager'), {
    mode: 0o600,
  });

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = await registry.start({
    name: `${name}-etcd`,
    executable: join(bin, 'etcd'),
    log: join(dir, 'etcd.log'),
    args: [
      '--name',
      name,
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      `${name}=${peerUrl}`,
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
    ],
  });
  await waitFor(
    `etcd of cluster ${name}`,
    async () => (await httpCall(`${etcdUrl}/health`)).body.includes('"true"'),
    {
      proc: etcd,
    },
  );

  const apiserver = await registry.start({
    name: `${name}-kube-apiserver`,
    executable: join(bin, 'kube-apiserver'),
    log: join(dir, 'kube-apiserver.log'),
    args: [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Nodes are named after their cluster, not a resolvable host: reach kubelets on their node IP.
      '--kubelet-preferred-address-types=InternalIP',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki('apiserver.crt')}`,
      `--tls-private-key-file=${pki('apiserver.key')}`,
      `--client-ca-file=${pki('ca.crt')}`,
      `--service-cluster-ip-range=${serviceRange}`,
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki('sa.pub')}`,
      `--service-account-signing-key-file=${pki('sa.key')}`,
      // One apiserver per etcd: no peers to reconcile the kubernetes endpoints with.
      '--endpoint-reconciler-type=none',
      '--v=0',
    ],
  });
  const tls = { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem };
  await waitFor(
    `kube-apiserver of cluster ${name} to be ready`,
    async () => (await httpCall(`${server}/readyz`, { tls })).status === 200,
    {
      proc: apiserver,
      timeoutMs: 120_000,
    },
  );

  const kcm = await registry.start({
    name: `${name}-kube-controller-manager`,
    executable: join(bin, 'kube-controller-manager'),
    log: join(dir, 'kube-controller-manager.log'),
    args: [
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      `--root-ca-file=${pki('ca.crt')}`,
      `--service-account-private-key-file=${pki('sa.key')}`,
      '--use-service-account-credentials=true',
      `--service-cluster-ip-range=${serviceRange}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
      '--v=0',
    ],
  });
  await waitFor(
    `the controller manager of cluster ${name} to create the default service account`,
    async () =>
      (await httpCall(`${server}/api/v1/namespaces/default/serviceaccounts/default`, { tls })).status === 200,
    { proc: kcm, timeoutMs: 120_000 },
  );
  if (addresses) {
    const schedulerKubeconfig = join(dir, 'scheduler.kubeconfig');
    const scheduler = await issue(ca, { subject: 'CN=system:kube-scheduler', client: true });
    await writeFile(schedulerKubeconfig, kubeconfig(name, server, ca, scheduler, 'scheduler'), {
      mode: 0o600,
    });
    await registry.start({
      name: `${name}-kube-scheduler`,
      executable: join(bin, 'kube-scheduler'),
      log: join(dir, 'kube-scheduler.log'),
      args: [
        `--kubeconfig=${schedulerKubeconfig}`,
        `--authentication-kubeconfig=${schedulerKubeconfig}`,
        `--authorization-kubeconfig=${schedulerKubeconfig}`,
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--leader-elect=false',
        '--v=0',
      ],
    });
  }
  return { name, kubeconfig: adminKubeconfig, server };
}
