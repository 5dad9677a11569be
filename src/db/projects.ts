/** Projects as a whole: renaming one, and what it still holds (a project is deleted only once empty). */
import type { Queryable } from './database.ts';

export async function renameProject(q: Queryable, id: string, name: string): Promise<number> {
  return q.execute('update projects set name = $2 where id = $1', [id, name]);
}

/** What a project holds, by name (at most `limit` names of each kind) and count. */
export interface ProjectContents {
  clusters: { count: number; names: string[] };
  workspaces: { count: number; names: string[] };
  locations: { count: number; names: string[] };
  backups: { count: number; names: string[] };
}

const kinds = [
  ['clusters', 'select name from clusters where project_id = $1 order by name'],
  ['workspaces', 'select name from workspaces where project_id = $1 order by name'],
  ['locations', 'select name from locations where project_id = $1 order by name'],
  ['backups', 'select name from backups where project_id = $1 order by created_at desc, name'],
] as const;

export async function projectContents(q: Queryable, projectId: string, limit = 5): Promise<ProjectContents> {
  const contents: Partial<ProjectContents> = {};
  for (const [kind, sql] of kinds) {
    const [count] = await q.query<{ n: number }>(
      `select count(*)::int as n from ${kind} where project_id = $1`,
      [projectId],
    );
    const names = await q.query<{ name: string }>(`${sql} limit $2`, [projectId, limit]);
    contents[kind] = { count: Number(count?.n ?? 0), names: names.map((row) => row.name) };
  }
  return contents as ProjectContents;
}
