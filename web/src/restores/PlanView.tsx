/**
 * The dry run of a restore: what it would do to each object, what in the target needs attention first, the
 * claims made from CSI snapshots (with the verdict on each), the objects refused (bad, tampered, or not what
 * their path names), and the rights each RBAC object would grant.
 */
import { useDeferredValue, useState } from 'react';
import type { PlanItem, RestorePlan } from '../../../src/api/types.ts';
import { Field } from '../components/ui.tsx';
import { plural } from '../format.ts';
import { type PlanCountKey, planActions, planActionWord } from './action-words.ts';
import { PlanVolumes } from './PlanVolumes.tsx';
import { problemStyle } from './problem-style.ts';

/** Rows drawn at once: a big backup plans thousands of objects, the filter finds the rest. */
const shownRows = 500;

/** Counts shown as problems when not zero. */
const problemCounts = new Set<PlanCountKey>(['rejected', 'refuse']);

function isRejected(item: PlanItem): boolean {
  return item.action === 'refuse' || (item.serverVerdict?.startsWith('rejected') ?? false);
}

function notesOf(item: PlanItem): string[] {
  const notes: string[] = [];
  if (item.reason) notes.push(item.reason);
  if (item.changedFields?.length) notes.push(`changed: ${item.changedFields.join(', ')}`);
  if (item.serverVerdict && item.serverVerdict !== 'accepted') notes.push(item.serverVerdict);
  if (item.grants?.flags.length) notes.push(`grants: ${item.grants.flags.join('; ')}`);
  return notes;
}

export function PlanView(props: { plan: RestorePlan }) {
  const { plan } = props;
  const missingClasses = plan.storageClasses.filter((sc) => !sc.exists);
  const terminating = plan.namespaces.filter((ns) => ns.state === 'terminating');
  const refused = plan.counts.refuse ?? 0;
  return (
    <div>
      <div className="grid">
        {planActions.map(([key, label]) => (
          <div
            key={key}
            className="stat"
            style={problemCounts.has(key) && (plan.counts[key] ?? 0) > 0 ? problemStyle : undefined}
          >
            <div className="label">{label}</div>
            <div className="value">{plan.counts[key] ?? 0}</div>
          </div>
        ))}
      </div>
      <p className="muted">
        Unchanged objects already match the backup. Objects that exist and differ from it are left as is,
        unless you chose to update existing objects. Creates were checked by the target's API server without
        writing anything.
      </p>
      {plan.counts.rejected > 0 ? (
        <div className="error-note" role="alert">
          {plural(plan.counts.rejected, 'object')} would be rejected by the target cluster's API server and
          recorded as failed: see the Notes column below, and fix the target or leave those namespaces out
          before restoring.
        </div>
      ) : null}
      {refused > 0 ? (
        <div className="error-note" role="alert">
          {plural(refused, 'object is', 'objects are')} refused: bad, changed since the backup was made, or
          not the object their path in the backup names. A restore would fail {refused === 1 ? 'it' : 'them'}{' '}
          and go on; the Notes column says what is wrong with each.
        </div>
      ) : null}
      {(plan.warnings ?? []).map((warning) => (
        <div key={warning} className="error-note" role="alert">
          Warning: {warning}
        </div>
      ))}
      {missingClasses.length > 0 ? (
        <div className="error-note" role="alert">
          Storage classes missing in the target cluster: {missingClasses.map((sc) => sc.name).join(', ')}.
          Their volumes would stay Pending: go Back and map each to a class the target has, or create it there
          first.
        </div>
      ) : null}
      {terminating.length > 0 ? (
        <div className="error-note" role="alert">
          Namespaces still terminating in the target: {terminating.map((ns) => ns.name).join(', ')}. Nothing
          can be created in them: wait until they are gone, or restore them under another name.
        </div>
      ) : null}
      <div className="row">
        <NamespaceStates plan={plan} />
        <StorageClassNeeds plan={plan} />
      </div>
      <PlanVolumes volumes={plan.volumes} />
      <RbacGrants items={plan.items} />
      <PlanItems items={plan.items} />
    </div>
  );
}

function NamespaceStates(props: { plan: RestorePlan }) {
  return (
    <section>
      <h3>Target namespaces</h3>
      {props.plan.namespaces.length === 0 ? (
        <p className="muted">None: the plan has only cluster-wide objects.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Namespace</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {props.plan.namespaces.map((ns) => (
                <tr key={ns.name} style={ns.state === 'terminating' ? problemStyle : undefined}>
                  <td>
                    {ns.name}
                    {ns.mappedFrom ? <span className="muted"> (from {ns.mappedFrom})</span> : null}
                  </td>
                  <td>{ns.state}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function StorageClassNeeds(props: { plan: RestorePlan }) {
  return (
    <section>
      <h3>Storage classes needed</h3>
      {props.plan.storageClasses.length === 0 ? (
        <p className="muted">None: no restored volume asks for a storage class.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Storage class</th>
                <th>In the target</th>
                <th>Used by</th>
              </tr>
            </thead>
            <tbody>
              {props.plan.storageClasses.map((sc) => (
                <tr key={sc.name} style={sc.exists ? undefined : problemStyle}>
                  <td>
                    {sc.name}
                    {sc.mappedFrom ? <span className="muted"> (mapped from {sc.mappedFrom})</span> : null}
                  </td>
                  <td>{sc.exists ? 'exists' : <strong>missing</strong>}</td>
                  <td>{sc.usedBy.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** What each RBAC object would grant once restored; flagged ones (broad groups, cluster-admin) stand out. */
function RbacGrants(props: { items: PlanItem[] }) {
  const granting = props.items.filter((item) => item.grants);
  if (granting.length === 0) return null;
  const flagged = granting.filter((item) => item.grants?.flags.length).length;
  return (
    <section>
      <h3>Rights granted</h3>
      <p className="muted">
        What each role binding and far-reaching role of the plan would grant once restored.
        {flagged > 0
          ? ` ${plural(flagged, 'is', 'are')} flagged: check ${flagged === 1 ? 'it' : 'them'} before restoring.`
          : ''}
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Kind</th>
              <th>Namespace</th>
              <th>Name</th>
              <th>Grants</th>
              <th>Flags</th>
            </tr>
          </thead>
          <tbody>
            {granting.slice(0, shownRows).map((item) => {
              const grant = item.grants as NonNullable<PlanItem['grants']>;
              return (
                <tr
                  key={`${item.groupResource}/${item.namespace ?? ''}/${item.name}`}
                  style={grant.flags.length ? problemStyle : undefined}
                >
                  <td>{item.kind}</td>
                  <td>{item.namespace ?? '—'}</td>
                  <td>{item.name}</td>
                  <td>
                    {grant.role ? (
                      <>
                        {grant.role} to {grant.subjects?.join(', ') || 'no one'}
                      </>
                    ) : (
                      (grant.rules ?? []).join('; ')
                    )}
                  </td>
                  <td>{grant.flags.length ? <strong>{grant.flags.join('; ')}</strong> : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PlanItems(props: { items: PlanItem[] }) {
  const [filter, setFilter] = useState('');
  const needle = useDeferredValue(filter.trim().toLowerCase());
  const matching = needle
    ? props.items.filter((item) =>
        [planActionWord(item.action), item.kind, item.namespace ?? '', item.name, ...notesOf(item)]
          .join(' ')
          .toLowerCase()
          .includes(needle),
      )
    : props.items;
  return (
    <section>
      <h3>Objects</h3>
      <Field label="Filter plan" hint="Matches action, kind, namespace, name and notes.">
        {(id) => <input id={id} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />}
      </Field>
      <p className="muted" aria-live="polite">
        {matching.length === props.items.length
          ? plural(props.items.length, 'object')
          : `${matching.length} of ${plural(props.items.length, 'object')} match`}
        {matching.length > shownRows ? `; showing the first ${shownRows}: filter to find the others` : ''}
      </p>
      <div className="item-log">
        <table>
          <thead>
            <tr>
              <th>Action</th>
              <th>Kind</th>
              <th>Namespace</th>
              <th>Name</th>
              <th>Notes</th>
            </tr>
          </thead>
          <tbody>
            {matching.slice(0, shownRows).map((item) => (
              <tr
                key={`${item.groupResource}/${item.namespace ?? ''}/${item.name}`}
                style={isRejected(item) ? problemStyle : undefined}
              >
                <td>{planActionWord(item.action)}</td>
                <td>{item.kind}</td>
                <td>{item.namespace ?? '—'}</td>
                <td>{item.name}</td>
                <td>{notesOf(item).join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
