/** PostgreSQL through node-postgres: a pool for queries, one extra connection for advisory locks. */
import pg from 'pg';
import type { Database, LockSession, Queryable, Row } from './database.ts';

// Timestamps come back as Date, bigint counts as numbers (byte counts stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T extends Row>(sql: string, params: readonly unknown[] = []) {
      return (await client.query<T>(sql, [...params])).rows;
    },
    async execute(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, [...params])).rowCount ?? 0;
    },
  };
}

/** Connects to the PostgreSQL database `url` names. */
export async function openPostgresDatabase(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: 'lifeboat' });
  // A broken idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const probe = await pool.connect();
  probe.release();
  const base = wrap(pool);
  let session: Promise<LockSession> | undefined;
  let lockClient: pg.Client | undefined;
  let closeLocks: () => void = () => undefined;
  return {
    kind: 'postgres',
    query: base.query,
    execute: base.execute,
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // Checked out, a client dropped by the server between two statements emits 'error': unheard, that
      // would crash the process. Heard, it marks the client broken (the statement in flight fails anyway).
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      try {
        await client.query('begin');
        const result = await work(wrap(client));
        await client.query('commit');
        return result;
      } catch (error) {
        // A connection that cannot even roll back (dropped by the server) is discarded, not reused.
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    lockSession() {
      session ??= (async () => {
        // Kept alive by TCP keepalives: an idle connection dropped by a NAT or a proxy would silently free this
        // replica's liveness lock and let others take over jobs it is still running.
        lockClient = new pg.Client({
          connectionString: url,
          application_name: 'lifeboat-locks',
          keepAlive: true,
          keepAliveInitialDelayMillis: 10_000,
        });
        const lost: ((reason: string) => void)[] = [];
        let closing = false;
        const report = (reason: string) => {
          if (closing) return;
          for (const handler of lost.splice(0)) handler(reason);
        };
        lockClient.on('error', (error) => report(error.message));
        lockClient.on('end', () => report('the connection ended'));
        await lockClient.connect();
        const client = lockClient;
        closeLocks = () => {
          closing = true;
        };
        return {
          onLost(handler: (reason: string) => void) {
            lost.push(handler);
          },
          async tryLock(space: number, key: number) {
            const result = await client.query<{ locked: boolean }>(
              'select pg_try_advisory_lock($1::int, $2::int) as locked',
              [space, key],
            );
            return result.rows[0]?.locked === true;
          },
          async unlock(space: number, key: number) {
            await client.query('select pg_advisory_unlock($1::int, $2::int)', [space, key]);
          },
        };
      })();
      return session;
    },
    async close() {
      closeLocks();
      await lockClient?.end().catch(() => undefined);
      await pool.end();
    },
  };
}
