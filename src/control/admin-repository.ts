/**
 * `lifeboat admin repository-secret`: the secret of a location's volume repository, for whoever has the
 * server's store and master key — what restoring copied volume data needs when the console is gone
 * (`lifeboat repository ... --secret-file`). The API never returns it.
 */
import * as db from '../db/index.ts';
import { AdminResetError, openStore, type ResetTokenOptions, readMasterKey } from './accounts-reset.ts';
import { openRepositorySecret } from './data-mover.ts';

/** Which location's secret, and where the store and key are. */
export type RepositorySecretOptions = Pick<
  ResetTokenOptions,
  'dataDir' | 'databaseUrl' | 'keyFile' | 'env'
> & {
  project: string;
  location: string;
};

/** The location's repository secret (base64), or `AdminResetError` saying what is missing. */
export async function exportRepositorySecret(
  options: RepositorySecretOptions,
): Promise<{ secret: string; project: string; location: string }> {
  const { vault } = readMasterKey(options);
  const store = await openStore(options);
  try {
    const project = await db.findProject(store, options.project);
    if (!project) throw new AdminResetError(`no project "${options.project}" in this store`);
    const location = (await db.listLocations(store, project.id)).find(
      (row) => row.name === options.location || row.id === options.location,
    );
    if (!location)
      throw new AdminResetError(`no location "${options.location}" in project "${project.name}"`);
    if (!location.repositorySecret)
      throw new AdminResetError(
        `location "${location.name}" has no volume repository yet: no backup has copied volume data to it`,
      );
    return {
      secret: openRepositorySecret(vault, location.id, location.repositorySecret),
      project: project.name,
      location: location.name,
    };
  } finally {
    await store.close();
  }
}
