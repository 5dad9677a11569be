/**
 * What a finished backup holds, as a tree: namespace → kind → object names, with a filter; for a backup Velero
 * made, listed from its resource list (and tarball), which the view says.
 */
import { lazy, Suspense, useState } from 'react';
import type { ContentsView } from '../../../src/api/types.ts';
import { ErrorNote, Field } from '../components/ui.tsx';
import { plural } from '../format.ts';
import { useBackupContents } from './backup-queries.ts';
import type { ObjectRef } from './ObjectManifest.tsx';

// Loaded when an object is first opened: its YAML and diff libraries stay out of the console's first load.
const ObjectManifest = lazy(() =>
  import('./ObjectManifest.tsx').then((module) => ({ default: module.ObjectManifest })),
);

type NamespaceContents = ContentsView['namespaces'][number];

/** Keeps what matches: a namespace or kind whose name matches keeps everything under it. */
function filterContents(namespaces: NamespaceContents[], text: string): NamespaceContents[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return namespaces;
  const matches = (value: string) => value.toLowerCase().includes(needle);
  return namespaces.flatMap((ns) => {
    if (ns.namespace && matches(ns.namespace)) return [ns];
    const kinds = ns.kinds.flatMap((kind) => {
      if (matches(kind.kind) || (kind.group && matches(kind.group))) return [kind];
      const items = kind.items.filter(matches);
      return items.length > 0 ? [{ ...kind, items }] : [];
    });
    return kinds.length > 0 ? [{ ...ns, kinds }] : [];
  });
}

function countItems(ns: NamespaceContents): number {
  return ns.kinds.reduce((sum, kind) => sum + kind.items.length, 0);
}

/** Where the contents come from, when not from Lifeboat's index (which vouches for each object). */
function SourceNote(props: { source: ContentsView['source'] }) {
  if (props.source === 'velero-resource-list')
    return (
      <p className="muted" role="note">
        Listed from Velero's resource list, with the tarball's paths: Velero records no per-object checksums,
        so these are the objects the backup names, not checked ones.
      </p>
    );
  if (props.source === 'tarball')
    return (
      <p className="muted" role="note">
        Listed from the tarball's paths (this backup has no resource list): kinds are shown as resources, and
        there are no per-object checksums.
      </p>
    );
  return null;
}

export function BackupContents(props: { project: string; backup: string }) {
  const contents = useBackupContents(props.project, props.backup, true);
  const [filter, setFilter] = useState('');
  const [opened, setOpened] = useState<ObjectRef | null>(null);
  const filtering = filter.trim() !== '';

  if (contents.isPending) return <p className="loading">Loading the contents…</p>;
  if (contents.error) return <ErrorNote error={contents.error} title="Cannot list the contents" />;
  const view = contents.data;
  if (view.source === 'none')
    return (
      <p className="muted">
        This backup has no content index, resource list or tarball: there is nothing to list its objects from.
      </p>
    );
  const shown = filterContents(view.namespaces, filter);
  return (
    <>
      <SourceNote source={view.source} />
      {view.warning ? (
        <p className="volume-note" role="note">
          {view.warning}
        </p>
      ) : null}
      <p className="muted">{plural(view.totalItems, 'object')} in all.</p>
      <Field label="Filter contents">
        {(id) => (
          <input
            id={id}
            type="search"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
            placeholder="namespace, kind or name"
            autoComplete="off"
          />
        )}
      </Field>
      {shown.length === 0 ? (
        <p className="muted">{filtering ? `Nothing matches “${filter.trim()}”.` : 'The backup is empty.'}</p>
      ) : (
        <div className="tree">
          {shown.map((ns) => (
            // While filtering, open everything so the matches are visible; otherwise leave it to the user.
            <details key={ns.namespace ?? ''} open={filtering || undefined}>
              <summary>
                <strong>{ns.namespace ?? 'Cluster-scoped'}</strong>{' '}
                <span className="muted">({countItems(ns)})</span>
              </summary>
              {ns.kinds.map((kind) => (
                <details key={`${kind.group}/${kind.kind}`} open={filtering || undefined}>
                  <summary>
                    {kind.kind} ({kind.items.length})
                    {kind.group ? <span className="muted"> · {kind.group}</span> : null}
                  </summary>
                  <ul>
                    {kind.items.map((name) => (
                      <li key={name}>
                        {kind.resource ? (
                          <button
                            type="button"
                            className="link"
                            title={`Open the stored manifest of ${kind.kind} ${name}`}
                            onClick={() =>
                              setOpened({
                                group: kind.group,
                                resource: kind.resource ?? '',
                                namespace: ns.namespace,
                                name,
                                kind: kind.kind,
                              })
                            }
                          >
                            <code>{name}</code>
                          </button>
                        ) : (
                          <code title="The contents do not say this kind's resource: it cannot be opened">
                            {name}
                          </code>
                        )}
                      </li>
                    ))}
                  </ul>
                </details>
              ))}
            </details>
          ))}
        </div>
      )}
      {opened ? (
        <Suspense fallback={<p className="loading">Opening {opened.name}…</p>}>
          <ObjectManifest
            project={props.project}
            backup={props.backup}
            object={opened}
            onClose={() => setOpened(null)}
          />
        </Suspense>
      ) : null}
    </>
  );
}
