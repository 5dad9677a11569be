/** Every route of the REST API, declared once (see route.ts), one file per part of the API. */
import type * as control from '../control/index.ts';
import type { Route } from './route.ts';
import { accountsRoutes } from './routes/accounts.ts';
import { backupsRoutes } from './routes/backups.ts';
import { clustersRoutes } from './routes/clusters.ts';
import { locationsRoutes } from './routes/locations.ts';
import { projectsRoutes } from './routes/projects.ts';

/** The routes of one control plane. */
export function apiRoutes(ctx: control.ControlContext): Route<unknown, unknown>[] {
  return [
    ...accountsRoutes(ctx),
    ...projectsRoutes(ctx),
    ...clustersRoutes(ctx),
    ...locationsRoutes(ctx),
    ...backupsRoutes(ctx),
  ];
}
