/**
 * Wiring of one control-plane replica: the store (embedded PGlite or PostgreSQL, migrated at start), the
 * vault, the job runner and the periodic loops (scheduler, expiry, sync, cluster health).
 */
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import {
  type Database,
  leaderLockKey,
  migrate,
  openEmbeddedDatabase,
  openPostgresDatabase,
  replicaLockSpace,
} from '../db/index.ts';
import { describeError } from '../kube/index.ts';
import { bootstrapAdmin } from './accounts.ts';
import { type Clock, systemClock } from './clock.ts';
import { checkAllClusters } from './clusters.ts';
import type { ControlContext } from './context.ts';
import { moverConfigFromEnv } from './data-mover.ts';
import { JobRunner, type JobRunnerOptions } from './jobs.ts';
import { networkPolicyFromEnv } from './network-policy.ts';
import { expireBackups, runDuePolicies } from './scheduler.ts';
import { syncAllLocations } from './sync.ts';
import { openVault } from './vault.ts';

export interface ControlPlaneOptions {
  /** Folder of the embedded store and the generated master key. Default `./data`. */
  dataDir?: string;
  /** A PostgreSQL URL; without it the embedded store in `dataDir` is used. */
  databaseUrl?: string;
  /** Master key file; default `<dataDir>/master.key` (LIFEBOAT_MASTER_KEY wins when set). */
  keyFile?: string;
  env?: Record<string, string | undefined>;
  clock?: Clock;
  log?: Logger;
  jobs?: JobRunnerOptions;
  /** Periods of the background loops in ms; 0 turns a loop off (tests drive it by hand). */
  loops?: Partial<Record<'scheduler' | 'expiry' | 'sync' | 'health', number>>;
}

export interface ControlPlane {
  readonly ctx: ControlContext;
  readonly runner: JobRunner;
  /** Where the master key came from (for the start-up message). */
  readonly keySource: string;
  /** Set on the first start of an empty store: the administrator's one-time token. */
  readonly firstAdminToken: string | undefined;
  runDuePolicies(): Promise<number>;
  expireBackups(): Promise<number>;
  syncLocations(): Promise<number>;
  checkClusters(): Promise<void>;
  stop(waitMs?: number): Promise<void>;
}

const defaultLoops = { scheduler: 15_000, expiry: 60_000, sync: 60_000, health: 60_000 };

/** Opens the store, migrates it, creates the first administrator when needed and starts the loops. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const dataDir = options.dataDir ?? 'data';
  const env = options.env ?? process.env;
  const log =
    options.log ??
    pino({
      level: env.LIFEBOAT_LOG_LEVEL ?? 'info',
      redact: {
        paths: [
          '*.kubeconfig',
          '*.secretAccessKey',
          '*.serviceAccountKey',
          '*.clientSecret',
          '*.accountKey',
          '*.token',
        ],
        censor: '[secret]',
      },
    });
  const database: Database = options.databaseUrl
    ? await openPostgresDatabase(options.databaseUrl)
    : await openEmbeddedDatabase(join(dataDir, 'pglite'), { onStaleLock: (message) => log.warn(message) });
  try {
    const applied = await migrate(database);
    if (applied.length > 0) log.info({ migrations: applied }, 'database schema migrated');
    const { vault, source } = openVault({ env, keyFile: options.keyFile ?? join(dataDir, 'master.key') });
    const ctx: ControlContext = {
      db: database,
      vault,
      clock: options.clock ?? systemClock,
      log,
      allowServerIdentity: env.LIFEBOAT_ALLOW_SERVER_IDENTITY === 'true',
      networkPolicy: networkPolicyFromEnv(env),
      mover: moverConfigFromEnv(env),
    };
    const first = await bootstrapAdmin(ctx);
    const runner = new JobRunner(ctx, options.jobs);
    await runner.start();
    const loops = { ...defaultLoops, ...options.loops };
    const timers: NodeJS.Timeout[] = [];
    const every = (ms: number, name: string, work: () => Promise<unknown>) => {
      if (ms <= 0) return;
      let busy = false;
      timers.push(
        setInterval(() => {
          if (busy) return;
          busy = true;
          work()
            .then(() => runner.poll())
            .catch((error: unknown) => log.warn({ err: describeError(error) }, `${name} failed`))
            .finally(() => {
              busy = false;
            });
        }, ms),
      );
    };
    every(loops.scheduler, 'scheduler', () => runDuePolicies(ctx));
    every(loops.expiry, 'expiry', () => expireBackups(ctx));
    // Sync and health checks read every location and cluster: one replica (the holder of the leader lock,
    // taken for life, passed on when it dies) runs them for the fleet.
    const session = await database.lockSession();
    let leader = false;
    const asLeader = (work: () => Promise<unknown>) => async () => {
      leader ||= await session.tryLock(replicaLockSpace, leaderLockKey);
      if (leader) await work();
    };
    every(
      loops.sync,
      'sync',
      asLeader(() => syncAllLocations(ctx)),
    );
    every(
      loops.health,
      'cluster health check',
      asLeader(() => checkAllClusters(ctx)),
    );
    return {
      ctx,
      runner,
      keySource: source,
      firstAdminToken: first?.token,
      runDuePolicies: async () => {
        const n = await runDuePolicies(ctx);
        await runner.poll();
        return n;
      },
      expireBackups: async () => {
        const n = await expireBackups(ctx);
        await runner.poll();
        return n;
      },
      syncLocations: () => syncAllLocations(ctx),
      checkClusters: () => checkAllClusters(ctx),
      async stop(waitMs) {
        for (const timer of timers) clearInterval(timer);
        await runner.stop(waitMs);
        await database.close();
      },
    };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}
