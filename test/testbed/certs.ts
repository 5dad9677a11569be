/**
 * Throwaway PKI for the test bed: a CA per cluster (and one for the object stores), serving certificates
 * for loopback, client certificates for Kubernetes users, and a service-account signing key.
 * ECDSA P-256 everywhere: generating it takes milliseconds, so nothing here is cached.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const validForMs = 10 * 365 * 24 * 3600 * 1000;

/** A key pair with its certificate, both as PEM, plus what is needed to sign further certificates. */
export interface Issued {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  privateKey: CryptoKey;
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function validity(): { notBefore: Date; notAfter: Date } {
  // A minute in the past: processes compare with their own clock.
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + validForMs) };
}

/** Creates a self-signed certificate authority. */
export async function createCa(commonName: string): Promise<Issued> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    cert,
    certPem: cert.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
    privateKey: keys.privateKey,
  };
}

/** What a leaf certificate is for. */
export interface LeafRequest {
  /** Distinguished name, for example `CN=admin, O=system:masters`. */
  subject: string;
  server?: { dns: string[]; ips: string[] };
  client?: boolean;
}

/** Issues a leaf certificate signed by `ca`. */
export async function issue(ca: Issued, request: LeafRequest): Promise<Issued> {
  const keys = await generateKeys();
  const usages: string[] = [];
  if (request.server) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (request.client) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(usages),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
  ];
  if (request.server) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension([
        ...request.server.dns.map((value) => ({ type: 'dns' as const, value })),
        ...request.server.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject: request.subject,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm,
    ...validity(),
    extensions,
  });
  return {
    cert,
    certPem: cert.toString('pem'),
    keyPem: await privateKeyPem(keys.privateKey),
    privateKey: keys.privateKey,
  };
}

/** A bare key pair as PEM (for service-account token signing): private key PKCS#8, public key SPKI. */
export async function createKeyPairPem(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  const keys = await generateKeys();
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return {
    privateKeyPem: await privateKeyPem(keys.privateKey),
    publicKeyPem: x509.PemConverter.encode(spki, 'PUBLIC KEY'),
  };
}
