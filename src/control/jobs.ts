/**
 * The job runner of one replica. Jobs are claimed through the database (`FOR UPDATE SKIP LOCKED`), so two
 * replicas never run the same job. Each replica holds a session advisory lock for its lifetime; the
 * database releases it when the replica's connection dies, so a running job whose replica's lock can be
 * taken was interrupted: it is taken over and recovered (a backup is recorded from the bucket if it had
 * finished, else its partial files are removed and it is Failed; a deletion is queued again).
 */

import type { JobKind, JobRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { describeError } from '../kube/index.ts';
import { executeDeletion } from './backup-deletion.ts';
import { executeBackup, recoverBackup } from './backup-jobs.ts';
import type { ControlContext } from './context.ts';
import { executeRestore, recoverRestore } from './restore-jobs.ts';

export interface JobRunnerOptions {
  /** Jobs run at once by this replica. Default 2. */
  concurrency?: number;
  /** How often to look for queued jobs, in ms. Default 1000. */
  pollMs?: number;
  /** How often to look for interrupted jobs of dead replicas, in ms. Default 10 000. */
  sweepMs?: number;
  /**
   * Called when this replica's liveness lock is lost (its database session died): others may now take over
   * its jobs, so it stops claiming. A server exits here and is restarted clean.
   */
  onLivenessLost?: (reason: string) => void;
}

const handlers: Record<JobKind, (ctx: ControlContext, subjectId: string) => Promise<string>> = {
  backup: executeBackup,
  restore: executeRestore,
  'delete-backup': executeDeletion,
};

export class JobRunner {
  private readonly ctx: ControlContext;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly sweepMs: number;
  private readonly onLivenessLost: ((reason: string) => void) | undefined;
  private replica: { id: string; lockKey: number } | undefined;
  private readonly running = new Set<Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private polling = false;

  constructor(ctx: ControlContext, options: JobRunnerOptions = {}) {
    this.ctx = ctx;
    this.concurrency = options.concurrency ?? 2;
    this.pollMs = options.pollMs ?? 1000;
    this.sweepMs = options.sweepMs ?? 10_000;
    this.onLivenessLost = options.onLivenessLost;
  }

  get replicaId(): string | undefined {
    return this.replica?.id;
  }

  /** Registers this replica, recovers what dead replicas left running, and starts taking jobs. */
  async start(): Promise<void> {
    const { ctx } = this;
    this.replica = await db.registerReplica(ctx.db, ctx.clock.now());
    const session = await ctx.db.lockSession();
    if (!(await session.tryLock(db.replicaLockSpace, this.replica.lockKey)))
      throw new Error(`replica lock ${this.replica.lockKey} is already held`);
    session.onLost((reason) => {
      if (this.stopped) return;
      this.stopped = true;
      ctx.log.error(
        { reason },
        'lost the database session that proves this replica alive: no more jobs are claimed',
      );
      this.onLivenessLost?.(reason);
    });
    await this.sweep();
    this.timers.push(
      setInterval(() => void this.poll(), this.pollMs),
      setInterval(() => void this.heartbeat(), 5000),
      setInterval(
        () => void this.sweep().catch((error: unknown) => this.warn('recovery sweep failed', error)),
        this.sweepMs,
      ),
    );
    void this.poll();
  }

  private warn(message: string, error: unknown): void {
    this.ctx.log.warn({ err: describeError(error) }, message);
  }

  private async heartbeat(): Promise<void> {
    if (!this.replica) return;
    const now = this.ctx.clock.now();
    await db
      .touchReplica(this.ctx.db, this.replica.id, now)
      .catch((error: unknown) => this.warn('heartbeat failed', error));
    await db.heartbeatJobs(this.ctx.db, this.replica.id, now).catch(() => undefined);
  }

  /** Claims jobs while there is room; resolves when nothing more can be claimed now. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped || !this.replica) return;
    this.polling = true;
    try {
      while (!this.stopped && this.running.size < this.concurrency) {
        const job = await db.claimJob(this.ctx.db, this.replica.id, this.ctx.clock.now());
        if (!job) break;
        const run = this.run(job).finally(() => {
          this.running.delete(run);
          void this.poll();
        });
        this.running.add(run);
      }
    } catch (error) {
      this.warn('claiming a job failed', error);
    } finally {
      this.polling = false;
    }
  }

  private async run(job: JobRecord): Promise<void> {
    const { ctx } = this;
    ctx.log.info({ job: job.id, kind: job.kind, subject: job.subjectId }, 'job started');
    let outcome: string;
    try {
      outcome = await handlers[job.kind](ctx, job.subjectId);
    } catch (error) {
      outcome = `error: ${describeError(error)}`;
      this.warn(`${job.kind} job failed`, error);
    }
    try {
      await db.finishJob(ctx.db, job.id, this.replica?.id ?? '', outcome, ctx.clock.now());
      ctx.log.info({ job: job.id, kind: job.kind, outcome }, 'job finished');
    } catch (error) {
      // Left running: the sweep of the next start recovers it from its subject's state.
      this.warn('recording the end of a job failed', error);
    }
  }

  /** Takes over and recovers the running jobs of replicas that are gone. */
  async sweep(): Promise<number> {
    const { ctx } = this;
    if (!this.replica) return 0;
    const session = await ctx.db.lockSession();
    let recovered = 0;
    for (const other of await db.replicasWithRunningJobs(ctx.db, this.replica.id)) {
      let dead = other.lockKey === null;
      if (other.lockKey !== null && (await session.tryLock(db.replicaLockSpace, other.lockKey))) {
        dead = true;
        await session.unlock(db.replicaLockSpace, other.lockKey);
      }
      if (!dead) continue;
      for (const job of await this.takeOver(other.id)) {
        recovered += 1;
        await this.recover(job);
      }
      await db.deleteReplica(ctx.db, other.id);
    }
    return recovered;
  }

  /** Moves a dead replica's running jobs to this replica (one replica wins each job). */
  private takeOver(deadId: string): Promise<JobRecord[]> {
    return db.takeOverJobs(this.ctx.db, deadId, this.replica?.id ?? '', this.ctx.clock.now());
  }

  private async recover(job: JobRecord): Promise<void> {
    const { ctx } = this;
    let outcome: string;
    try {
      if (job.kind === 'backup') outcome = await recoverBackup(ctx, job.subjectId);
      else if (job.kind === 'restore') outcome = await recoverRestore(ctx, job.subjectId);
      else {
        await db.enqueueJob(ctx.db, 'delete-backup', job.subjectId, ctx.clock.now());
        outcome = 'queued again';
      }
    } catch (error) {
      // Left running under this replica: the next sweep after a restart tries again.
      this.warn('recovering an interrupted job failed', error);
      return;
    }
    await db.finishJob(ctx.db, job.id, this.replica?.id ?? '', `interrupted; ${outcome}`, ctx.clock.now());
    ctx.log.warn(
      { job: job.id, kind: job.kind, subject: job.subjectId, outcome },
      'recovered an interrupted job',
    );
  }

  /** Stops claiming; waits up to `waitMs` for running jobs (those still running are recovered at the next start). */
  async stop(waitMs = 30_000): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    if (this.running.size > 0) {
      await Promise.race([
        Promise.allSettled([...this.running]),
        new Promise((resolve) => setTimeout(resolve, waitMs).unref()),
      ]);
    }
  }

  /** Resolves when no job of this replica is running (tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
