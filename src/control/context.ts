/** What every use case of the control plane works with. */
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import type { Clock } from './clock.ts';
import type { MoverConfig } from './data-mover.ts';
import type { NetworkPolicy } from './network-policy.ts';
import type { Vault } from './vault.ts';

export interface ControlContext {
  db: Database;
  vault: Vault;
  clock: Clock;
  log: Logger;
  /**
   * Whether locations may use the server's own cloud identity (GCS without a key, an AWS role assumed without
   * keys). Off unless LIFEBOAT_ALLOW_SERVER_IDENTITY=true: that identity may reach other projects' buckets.
   */
  allowServerIdentity: boolean;
  /** Which addresses clusters and locations may be at (LIFEBOAT_PRIVATE_TARGETS, LIFEBOAT_LINK_LOCAL_TARGETS). */
  networkPolicy: NetworkPolicy;
  /** How data mover pods run (LIFEBOAT_MOVER_IMAGE, LIFEBOAT_MOVER_TIMEOUT_MINUTES). */
  mover: MoverConfig;
}
