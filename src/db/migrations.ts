/**
 * Schema migrations, run at start by every replica. An advisory transaction lock makes concurrent starts
 * take turns; each migration is applied once, in order, and recorded in `schema_migrations`.
 */
import type { Database } from './database.ts';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'control plane',
    sql: `
create table users (
  id text primary key,
  name text not null unique,
  is_admin boolean not null default false,
  created_at timestamptz not null
);
create table tokens (
  id text primary key,
  user_id text not null references users(id) on delete cascade,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null,
  last_used_at timestamptz
);
create table projects (
  id text primary key,
  name text not null unique,
  created_at timestamptz not null
);
create table project_members (
  project_id text not null references projects(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  role text not null check (role in ('admin', 'operator', 'viewer')),
  primary key (project_id, user_id)
);
create table clusters (
  id text primary key,
  project_id text not null references projects(id) on delete cascade,
  name text not null,
  kubeconfig_secret text not null,
  context text,
  server text,
  health text not null default 'Unknown',
  health_reason text,
  health_checked_at timestamptz,
  created_at timestamptz not null,
  unique (project_id, name)
);
create table workspaces (
  id text primary key,
  project_id text not null references projects(id) on delete cascade,
  name text not null,
  namespaces jsonb not null default '[]',
  created_at timestamptz not null,
  unique (project_id, name)
);
create table workspace_clusters (
  workspace_id text not null references workspaces(id) on delete cascade,
  cluster_id text not null references clusters(id) on delete cascade,
  primary key (workspace_id, cluster_id)
);
create table locations (
  id text primary key,
  project_id text not null references projects(id) on delete cascade,
  name text not null,
  provider text not null,
  config jsonb not null,
  secret text,
  status text not null default 'Unknown',
  status_checks jsonb not null default '[]',
  status_problems jsonb not null default '[]',
  validated_at timestamptz,
  created_at timestamptz not null,
  unique (project_id, name)
);
create table policies (
  id text primary key,
  project_id text not null references projects(id) on delete cascade,
  cluster_id text unique references clusters(id) on delete cascade,
  workspace_id text unique references workspaces(id) on delete cascade,
  location_id text not null references locations(id),
  prefix text not null,
  schedule jsonb not null,
  ttl_hours integer not null,
  include_disks boolean not null,
  cluster_resources text not null,
  namespaces jsonb not null,
  anchor_at timestamptz not null,
  next_run_at timestamptz,
  last_run_at timestamptz,
  created_at timestamptz not null,
  check ((cluster_id is null) <> (workspace_id is null))
);
create index policies_next_run on policies (next_run_at);
create table backups (
  id text primary key,
  project_id text not null references projects(id) on delete cascade,
  location_id text not null references locations(id),
  cluster_id text references clusters(id) on delete set null,
  cluster_name text,
  workspace_id text references workspaces(id) on delete set null,
  group_id text,
  policy_id text references policies(id) on delete set null,
  name text not null,
  trigger text not null,
  phase text not null,
  options jsonb not null,
  items_done integer not null default 0,
  items_total integer not null default 0,
  bytes bigint not null default 0,
  error_count integer not null default 0,
  warning_count integer not null default 0,
  errors jsonb not null default '{}',
  warnings jsonb not null default '{}',
  failure_reason text,
  expires_at timestamptz,
  created_at timestamptz not null,
  started_at timestamptz,
  completed_at timestamptz,
  unique (location_id, name)
);
create index backups_project on backups (project_id, created_at desc);
create index backups_expiry on backups (expires_at);
create table restores (
  id text primary key,
  project_id text not null references projects(id) on delete cascade,
  backup_id text references backups(id) on delete set null,
  backup_name text not null,
  location_id text not null references locations(id),
  source_cluster_id text,
  target_cluster_id text references clusters(id) on delete set null,
  target_cluster_name text not null,
  name text not null,
  options jsonb not null,
  phase text not null,
  items_done integer not null default 0,
  items_total integer not null default 0,
  counts jsonb not null default '{}',
  error_count integer not null default 0,
  warning_count integer not null default 0,
  errors jsonb not null default '{}',
  warnings jsonb not null default '{}',
  failure_reason text,
  created_at timestamptz not null,
  started_at timestamptz,
  completed_at timestamptz,
  unique (project_id, name)
);
create table restore_items (
  restore_id text not null references restores(id) on delete cascade,
  seq integer not null,
  group_resource text not null,
  namespace text,
  name text not null,
  action text not null,
  detail text,
  primary key (restore_id, seq)
);
create table replicas (
  id text primary key,
  lock_key integer not null unique,
  started_at timestamptz not null,
  seen_at timestamptz not null
);
create sequence replica_lock_keys;
create table jobs (
  id text primary key,
  kind text not null check (kind in ('backup', 'restore', 'delete-backup')),
  subject_id text not null,
  state text not null check (state in ('queued', 'running', 'finished')),
  replica_id text,
  outcome text,
  created_at timestamptz not null,
  claimed_at timestamptz,
  heartbeat_at timestamptz,
  finished_at timestamptz
);
create index jobs_queue on jobs (state, created_at);
`,
  },
  {
    version: 2,
    name: 'restores outlive their location',
    sql: `
alter table restores alter column location_id drop not null;
alter table restores drop constraint restores_location_id_fkey;
alter table restores add constraint restores_location_id_fkey foreign key (location_id)
  references locations(id) on delete set null
`,
  },
  {
    version: 3,
    name: 'backup identity: sync problems, missing backups, failed deletions',
    sql: `
alter table locations add column sync_problems jsonb not null default '[]';
alter table locations add column sync_problem_count integer not null default 0;
alter table locations add column synced_at timestamptz;
alter table backups add column delete_failed_at timestamptz
`,
  },
  {
    version: 4,
    name: 'restores: the claims made from CSI snapshots and their phases',
    sql: `
alter table restores add column volumes jsonb not null default '[]'
`,
  },
  {
    version: 5,
    name: 'people: token expiry and revocation, the master key check',
    sql: `
alter table tokens add column expires_at timestamptz;
alter table tokens add column revoked_at timestamptz;
create table master_key_check (
  id integer primary key check (id = 1),
  digest text not null,
  created_at timestamptz not null
)
`,
  },
  {
    version: 6,
    name: 'data mover: the repository secret of a location, copy volume data, volume copy progress',
    sql: `
alter table locations add column repository_secret text;
alter table policies add column copy_volume_data boolean;
alter table backups add column volume_copies jsonb not null default '[]'
`,
  },
  {
    version: 7,
    name: 'data mover: keep the CSI snapshots beside their copied data, per policy',
    sql: `
alter table policies add column keep_volume_snapshots boolean
`,
  },
  {
    version: 8,
    name: "restore items: the object's kind, as the plan names it",
    sql: `
alter table restore_items add column kind text
`,
  },
];

/** The advisory lock space of Lifeboat's one-off locks (migrations): 'LB'. */
const lockSpace = 0x4c42;
/** The advisory lock space of replica liveness locks, keyed by replica lock key: 'LR'. */
export const replicaLockSpace = 0x4c52;
/**
 * The advisory lock space of repository checks, keyed by a 32-bit hash of the location's id: 'LC'. A check holds
 * its location's lock on the replica's lock session, so a second check of the location is refused on any
 * replica, and a dead replica's lock goes with its connection.
 */
export const repositoryCheckLockSpace = 0x4c43;
/** In that space, the key of the replica that runs the fleet-wide loops (replica keys start at 1). */
export const leaderLockKey = 0;
const migrationLockKey = 1;

/** Brings the schema up to date; safe to call from several replicas at once. */
export async function migrate(db: Database): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1::int, $2::int)', [lockSpace, migrationLockKey]);
    await tx.execute(
      'create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())',
    );
    const done = new Set(
      (await tx.query<{ version: number }>('select version from schema_migrations')).map(
        (row) => row.version,
      ),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.sql.split(/;\s*\n/).filter((part) => part.trim())) {
        await tx.execute(statement);
      }
      await tx.execute('insert into schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
