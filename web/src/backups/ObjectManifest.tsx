/**
 * One object of a backup, opened from its contents: the manifest the backup stores, as YAML, and a line diff
 * against the same object in the cluster now (what changed since the backup). A Secret's values never reach
 * the console: the server replaces them, and says which live ones differ.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { BackupObjectView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { Dialog, ErrorNote, Tabs } from '../components/ui.tsx';
import { plural } from '../format.ts';
import { backupPath } from './backup-queries.ts';
import { diffManifests, noiseFields, toYaml } from './manifest-compare.ts';

/** Which object: the parts of its tarball path, as the contents list them. */
export interface ObjectRef {
  group: string;
  resource: string;
  namespace: string | null;
  name: string;
  /** The kind, for the title. */
  kind: string;
}

function useBackupObject(project: string, backup: string, ref: ObjectRef) {
  const query = new URLSearchParams({ group: ref.group, resource: ref.resource, name: ref.name });
  if (ref.namespace !== null) query.set('namespace', ref.namespace);
  return useQuery({
    queryKey: ['p', project, 'backup-object', backup, ref.group, ref.resource, ref.namespace, ref.name],
    queryFn: () => api<BackupObjectView>('GET', `${backupPath(project, backup)}/object?${query.toString()}`),
  });
}

const integrityNote: Record<BackupObjectView['integrity'], string | null> = {
  verified: null,
  'no-index':
    'This backup has no Lifeboat content index (Velero made it?): the object could not be checked against a checksum.',
  'not-indexed':
    'The backup’s content index does not list this object: it was added to the tarball after the backup was made, and a restore refuses it.',
  differs:
    'This object does not match its checksum in the backup’s content index: it was changed after the backup was made, and a restore refuses it.',
};

export function ObjectManifest(props: {
  project: string;
  backup: string;
  object: ObjectRef;
  onClose: () => void;
}) {
  const { object } = props;
  const view = useBackupObject(props.project, props.backup, object);
  const [tab, setTab] = useState<'stored' | 'live'>('stored');
  const title = `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
  return (
    <Dialog title={title} onClose={props.onClose} wide>
      <div>
        <Tabs
          tabs={[
            { id: 'stored', label: 'Stored manifest' },
            { id: 'live', label: 'Compare with live' },
          ]}
          current={tab}
          onSelect={(id) => {
            setTab(id as 'stored' | 'live');
            // The live object is read again whenever the comparison is asked for.
            if (id === 'live' && !view.isPending) void view.refetch();
          }}
        />
        {view.isPending ? <p className="loading">Loading the object…</p> : null}
        <ErrorNote error={view.error} title="Cannot open the object" />
        {view.data ? (
          <>
            {integrityNote[view.data.integrity] ? (
              <p className="volume-note" role="note">
                {integrityNote[view.data.integrity]}
              </p>
            ) : null}
            {view.data.redacted ? (
              <p className="muted" role="note">
                A Secret: its keys are shown, its values never are.
              </p>
            ) : null}
            {tab === 'stored' ? (
              <StoredManifest view={view.data} />
            ) : (
              <LiveComparison
                view={view.data}
                refreshing={view.isFetching}
                onRefresh={() => view.refetch()}
              />
            )}
          </>
        ) : null}
      </div>
    </Dialog>
  );
}

function StoredManifest(props: { view: BackupObjectView }) {
  const { view } = props;
  return (
    <>
      <p className="muted">
        As stored in <code>{view.object.path}</code> ({plural(view.size, 'byte')} of JSON), shown as YAML.
      </p>
      <section aria-label="Stored manifest">
        <pre className="manifest">{toYaml(view.stored)}</pre>
      </section>
    </>
  );
}

function LiveComparison(props: { view: BackupObjectView; refreshing: boolean; onRefresh: () => void }) {
  const { view } = props;
  const where = view.cluster ? `cluster ${view.cluster.name}` : 'the cluster';
  const head = (
    <div className="row" style={{ alignItems: 'center' }}>
      <p className="muted" style={{ flex: '1 1 auto', margin: 0 }}>
        The backup (−) against {where} now (+). Left out of the comparison: {noiseFields.join(', ')}.
      </p>
      <div style={{ flex: '0 0 auto' }}>
        <button type="button" onClick={props.onRefresh} disabled={props.refreshing}>
          {props.refreshing ? 'Reading the live object…' : 'Compare again'}
        </button>
      </div>
    </div>
  );
  if (!view.live)
    return (
      <>
        {head}
        <p className={view.liveState === 'absent' ? 'volume-note' : 'muted'} role="status">
          {view.liveState === 'absent' ? 'Not in the cluster: ' : 'No live object to compare with: '}
          {view.liveReason}
        </p>
      </>
    );
  const diff = diffManifests(view.stored, view.live);
  return (
    <>
      {head}
      {!diff ? (
        <p className="muted" role="status">
          The two differ in too many lines to show one by one.
        </p>
      ) : diff.added + diff.removed === 0 ? (
        <p role="status">No differences: the live object is as the backup stores it.</p>
      ) : (
        <>
          <p role="status">
            {plural(diff.removed, 'line')} only in the backup, {plural(diff.added, 'line')} only live.
          </p>
          <section aria-label="Differences with the live object">
            <pre className="manifest diff">
              {diff.lines.map((line) =>
                line.type === 'fold' ? (
                  <span key={line.at} className="fold">
                    {`  … ${plural(line.count, 'unchanged line')}`}
                  </span>
                ) : (
                  <span
                    key={line.at}
                    className={line.type === '+' ? 'added' : line.type === '-' ? 'removed' : undefined}
                  >
                    {`${line.type} ${line.text}`}
                  </span>
                ),
              )}
            </pre>
          </section>
        </>
      )}
    </>
  );
}
