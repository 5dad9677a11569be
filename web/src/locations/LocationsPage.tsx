/** Project Settings → Backup Locations: where the project's backups are stored, and whether each still works. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { LocationView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { EmptyState, ErrorNote } from '../components/ui.tsx';
import { useSession } from '../session.tsx';
import { LocationRow } from './LocationRow.tsx';
import { LocationWizard } from './LocationWizard.tsx';

/** The wizard is closed, adding a location, or editing one. */
type WizardState = { open: false } | { open: true; location?: LocationView };

export function LocationsPage() {
  const session = useSession();
  const projectName = session.project?.name ?? '';
  const locations = useQuery({
    queryKey: ['p', projectName, 'locations'],
    queryFn: () => api<LocationView[]>('GET', `/projects/${encodeURIComponent(projectName)}/locations`),
  });
  const [wizard, setWizard] = useState<WizardState>({ open: false });
  const isAdmin = session.can('admin');
  const addButton = isAdmin ? (
    <button type="button" className="primary" onClick={() => setWizard({ open: true })}>
      Add New Backup Location
    </button>
  ) : null;

  return (
    <section>
      <div className="page-head">
        <h1>Backup Locations</h1>
        {locations.data && locations.data.length > 0 ? <div className="actions">{addButton}</div> : null}
      </div>
      {locations.isPending ? <p className="loading">Loading…</p> : null}
      {locations.error ? (
        <ErrorNote error={locations.error} title="Cannot load the backup locations" />
      ) : null}
      {locations.data?.length === 0 ? (
        <EmptyState title="No backup locations yet">
          <p>
            A backup location is where backups are stored: a bucket in AWS S3, Google Cloud Storage, MinIO or
            Azure Blob. Add one first: clusters can be backed up only once the project has a location.
          </p>
          {addButton ?? <p className="muted">Ask an admin of this project to add one.</p>}
        </EmptyState>
      ) : null}
      {locations.data && locations.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Provider</th>
                <th scope="col">Where</th>
                <th scope="col">Status</th>
                <th scope="col">Last validated</th>
                {session.can('operator') ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {locations.data.map((location) => (
                <LocationRow
                  key={location.id}
                  location={location}
                  onEdit={() => setWizard({ open: true, location })}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {wizard.open ? (
        <LocationWizard location={wizard.location} onClose={() => setWizard({ open: false })} />
      ) : null}
    </section>
  );
}
