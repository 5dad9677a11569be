/**
 * A project as a whole: renamed by its admins (its id, and everything in it, stay), and deleted only once it
 * is empty — no clusters, workspaces, backup locations or backups — so nothing registered is dropped
 * unseen. A refusal names what is left.
 */
import type { ProjectRecord } from '../db/index.ts';
import * as db from '../db/index.ts';
import { authorize, type Caller } from './access.ts';
import type { ProjectView } from './accounts.ts';
import type { ControlContext } from './context.ts';
import { ConflictError, isUniqueViolation } from './errors.ts';

/** What a project holds: per kind, how many and the first few names. */
export type ProjectContentsView = db.ProjectContents & { empty: boolean };

const kindWords: [keyof db.ProjectContents, string, string][] = [
  ['clusters', 'cluster', 'clusters'],
  ['workspaces', 'workspace', 'workspaces'],
  ['locations', 'backup location', 'backup locations'],
  ['backups', 'backup', 'backups'],
];

/** "2 clusters (a, b), 1 backup location (minio) and 12 backups (x, y, z, …)". */
export function describeContents(contents: db.ProjectContents): string {
  const parts = kindWords.flatMap(([kind, one, many]) => {
    const { count, names } = contents[kind];
    if (count === 0) return [];
    const listed = names.map((name) => `"${name}"`).join(', ');
    return [`${count} ${count === 1 ? one : many} (${listed}${count > names.length ? ', …' : ''})`];
  });
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

export async function projectContents(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
): Promise<ProjectContentsView> {
  const { project } = await authorize(ctx, caller, projectRef, 'viewer');
  const contents = await db.projectContents(ctx.db, project.id);
  return { ...contents, empty: kindWords.every(([kind]) => contents[kind].count === 0) };
}

/**
 * Refuses (409) to delete a project that still holds anything, naming what is left and what to do. The
 * deletion of a project calls it first.
 */
export async function refuseUnlessEmpty(ctx: ControlContext, project: ProjectRecord): Promise<void> {
  const contents = await db.projectContents(ctx.db, project.id);
  if (kindWords.every(([kind]) => contents[kind].count === 0)) return;
  throw new ConflictError(
    `project "${project.name}" is not empty: it still has ${describeContents(contents)}. Delete the backups (that deletes them from their locations), then remove the clusters, workspaces and backup locations, and delete the project`,
  );
}

/** Renames a project (project admins). Links and `--project` use the new name; ids stay. */
export async function renameProject(
  ctx: ControlContext,
  caller: Caller,
  projectRef: string,
  name: string,
): Promise<ProjectView> {
  const { project, role } = await authorize(ctx, caller, projectRef, 'admin');
  if (name !== project.name) {
    try {
      await db.renameProject(ctx.db, project.id, name);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`a project named "${name}" already exists: pick another name`);
      throw error;
    }
    ctx.log.info({ project: project.id, from: project.name, to: name }, 'project renamed');
  }
  return { id: project.id, name, createdAt: project.createdAt.toISOString(), role };
}
