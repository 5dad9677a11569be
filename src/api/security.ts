/**
 * What every answer carries to protect the console and its users (a Content-Security-Policy the built
 * console satisfies, no framing, no MIME sniffing, no referrer), and the limit on failed authentications.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * The console is one script and one style sheet from this origin (`vite build`, no inline code); it talks to
 * this origin only. React's `style` props go through the CSSOM, which `style-src` does not restrict.
 */
export const contentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  // The favicon is an empty data: URL.
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Security headers on every answer: console pages, assets, API answers and errors alike. */
export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    // The server speaks plain HTTP; whoever terminates TLS in front of it decides on HSTS.
    strictTransportSecurity: false,
  });
  return async (c, next) => {
    await headers(c, next);
    // API answers hold tokens shown once and configuration: no cache keeps them.
    if (c.req.path.startsWith('/api/')) c.res.headers.set('Cache-Control', 'no-store');
  };
}

/** The address a request came from (the socket's peer; `local` for in-process requests). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'local';
  } catch {
    return 'local';
  }
}

export interface FailureLimitOptions {
  /** Failures allowed per address within `windowMs`. Default 10. */
  maxFailures?: number;
  /** Default one minute. */
  windowMs?: number;
  /** Addresses tracked at most (the oldest is forgotten first). Default 10 000. */
  maxAddresses?: number;
  now?: () => number;
}

/**
 * Counts failed authentications per client address in a sliding window. Tokens are 256 random bits, so the
 * limit is not what keeps them secret: it answers a flood of wrong tokens 429 with when to come back, and
 * keeps its bookkeeping bounded. A valid token is never refused by it, so one client sending wrong tokens cannot lock out the
 * users who share its address (a proxy, a NAT).
 */
export class FailureLimit {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  private readonly failures = new Map<string, number[]>();

  constructor(options: FailureLimitOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Records a failure of `address`; answers the seconds to wait when it is over the limit, else undefined.
   */
  fail(address: string): number | undefined {
    const now = this.now();
    const recent = (this.failures.get(address) ?? []).filter((at) => now - at < this.windowMs);
    recent.push(now);
    // Re-inserted last: the map's order is then the order of last failure, oldest first.
    this.failures.delete(address);
    this.failures.set(address, recent.slice(-(this.maxFailures + 1)));
    while (this.failures.size > this.maxAddresses) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
    if (recent.length <= this.maxFailures) return undefined;
    // Another failure passes once the window holds at most max - 1: when this one leaves it.
    const first = recent[recent.length - 1 - this.maxFailures] ?? now;
    return Math.max(1, Math.ceil((first + this.windowMs - now) / 1000));
  }

  /** The limit, for messages. */
  describe(): string {
    return `${this.maxFailures} in ${Math.round(this.windowMs / 1000)} s`;
  }
}
