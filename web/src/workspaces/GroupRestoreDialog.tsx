/**
 * Restoring a workspace's backup group as a group: choose the members and where each goes (its own cluster by
 * default), review one plan per member, then start one restore per member and follow them on one page.
 */
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type {
  BackupView,
  ClusterView,
  GroupRestorePlanView,
  GroupRestoreView,
} from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { useFieldIssues } from '../components/field-issues.ts';
import { Badge, Dialog, ErrorNote, Field } from '../components/ui.tsx';
import { plural } from '../format.ts';
import { countsText } from '../restores/action-words.ts';
import { PlanView } from '../restores/PlanView.tsx';
import { hasVolumes, type VolumeSource } from '../restores/restore-choice.ts';
import { useClusters } from '../restores/restore-queries.ts';
import { VolumeSourceField } from '../restores/VolumeSourceField.tsx';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { projectPath } from './group-restore-queries.ts';

const finished = (backup: BackupView) => backup.phase === 'Completed' || backup.phase === 'PartiallyFailed';

interface MemberChoice {
  include: boolean;
  target: string;
}

export function GroupRestoreDialog(props: { groupId: string; backups: BackupView[]; onClose: () => void }) {
  const project = useSession().project?.name ?? '';
  const queryClient = useQueryClient();
  const clusters = useClusters(project);
  const [choices, setChoices] = useState<Record<string, MemberChoice>>(() =>
    Object.fromEntries(
      props.backups.map((b) => [
        b.id,
        { include: finished(b) && Boolean(b.cluster.id), target: b.cluster.name ?? '' },
      ]),
    ),
  );
  const [name, setName] = useState('');
  const [policy, setPolicy] = useState<'none' | 'update'>('none');
  const [volumeSource, setVolumeSource] = useState<VolumeSource>('auto');
  const [plan, setPlan] = useState<GroupRestorePlanView>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  // The backups of the request refused: its issues name members by their place in it (`members.1.targetCluster`).
  const [sent, setSent] = useState<string[]>([]);
  const fields = useFieldIssues(error, [
    'name',
    'existingResourcePolicy',
    'volumeSource',
    ...sent.map((_, k) => `members.${k}`),
  ]);
  const chosen = props.backups.filter((b) => choices[b.id]?.include);
  // Offered when a chosen member has volumes; sent only when it changes something.
  const withVolumes = chosen.some(hasVolumes);
  const request = {
    ...(name.trim() ? { name: name.trim() } : {}),
    existingResourcePolicy: policy,
    ...(withVolumes && volumeSource !== 'auto' ? { volumeSource } : {}),
    members: chosen.map((b) => ({ backup: b.id, targetCluster: choices[b.id]?.target ?? '' })),
  };
  const base = `${projectPath(project)}/backup-groups/${encodeURIComponent(props.groupId)}/restores`;
  const memberPath = (id: string) => `members.${sent.indexOf(id)}`;
  /** The refusal's words about one member, until that member is changed. */
  const memberIssue = (id: string) => (sent.includes(id) ? fields.issue(memberPath(id)) : undefined);
  // Changing one member clears what was said about it alone; the rest stays until the next plan.
  const set = (id: string, change: Partial<MemberChoice>) => {
    if (sent.includes(id)) fields.edit(memberPath(id));
    setChoices((current) => ({ ...current, [id]: { ...(current[id] as MemberChoice), ...change } }));
  };

  const review = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSent(chosen.map((b) => b.id));
    try {
      setPlan(await api<GroupRestorePlanView>('POST', `${base}/plan`, request));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const start = async () => {
    setBusy(true);
    setError(undefined);
    setSent(chosen.map((b) => b.id));
    try {
      const started = await api<GroupRestoreView>('POST', base, { ...request, name: plan?.name });
      void queryClient.invalidateQueries({ queryKey: ['p', project] });
      props.onClose();
      navigate(['p', project, 'group-restores', started.id]);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  // What refused the start (a name taken) is about the choice: going back to change it starts afresh.
  const back = () => {
    setPlan(undefined);
    setError(undefined);
  };
  const problems = plan?.members.filter((m) => m.problem).length ?? 0;

  return (
    <Dialog title="Restore Backup Group" wide onClose={props.onClose}>
      <div>
        <div className="steps">
          <span className={plan ? undefined : 'current'} aria-current={plan ? undefined : 'step'}>
            1. Choose
          </span>
          <span aria-hidden="true">›</span>
          <span className={plan ? 'current' : undefined} aria-current={plan ? 'step' : undefined}>
            2. Review one plan per member
          </span>
        </div>
        {plan ? (
          <>
            <p>
              Group restore <strong>{plan.name}</strong>: {plural(plan.members.length, 'restore')}, started
              together.
            </p>
            {plan.members.map((member) => (
              <section key={member.backup.id} className="card" aria-label={`Plan of ${member.backup.name}`}>
                <h3>
                  {member.backup.cluster ?? member.backup.name} → {member.targetCluster.name}{' '}
                  <span className="muted">
                    backup {member.backup.name}, as restore {member.restoreName}
                  </span>
                </h3>
                {member.problem ? (
                  <div className="error-note" role="alert">
                    {member.problem}
                  </div>
                ) : null}
                {member.plan ? (
                  <details>
                    <summary>Plan: {countsText(member.plan.counts, 'plan') || 'nothing to do'}</summary>
                    <PlanView plan={member.plan} />
                  </details>
                ) : null}
              </section>
            ))}
            {plan.skipped.length > 0 ? <Skipped skipped={plan.skipped} /> : null}
            {problems > 0 ? (
              <div className="error-note" role="alert">
                {plural(problems, 'member')} cannot be restored as chosen: go back and leave{' '}
                {problems === 1 ? 'it' : 'them'} out, or pick another target.
              </div>
            ) : null}
            <ErrorNote error={error} title="Cannot start this group restore" />
            <div className="form-actions">
              <button type="button" onClick={back} disabled={busy}>
                Back
              </button>
              <button
                type="button"
                className="primary"
                onClick={() => void start()}
                disabled={busy || problems > 0}
              >
                {busy ? 'Starting…' : 'Restore Group'}
              </button>
            </div>
          </>
        ) : (
          <form onSubmit={review}>
            <MemberTable
              backups={props.backups}
              choices={choices}
              clusters={clusters.data}
              issue={memberIssue}
              onChange={set}
            />
            <ErrorNote error={clusters.error} title="Cannot list the project's clusters" />
            <div className="row">
              <Field
                label="Group restore name"
                error={fields.issue('name')}
                hint="Optional: by default the workspace's name and the time. Each restore adds its cluster's name."
              >
                {(id) => (
                  <input
                    id={id}
                    value={name}
                    onChange={(e) => {
                      setName(e.target.value);
                      fields.edit('name');
                    }}
                    autoComplete="off"
                  />
                )}
              </Field>
              <Field label="Existing resources">
                {(id) => (
                  <select
                    id={id}
                    value={policy}
                    onChange={(e) => {
                      setPolicy(e.target.value as 'none' | 'update');
                      fields.edit('existingResourcePolicy');
                    }}
                  >
                    <option value="none">Leave existing objects alone</option>
                    <option value="update">Update existing objects to the backed-up state</option>
                  </select>
                )}
              </Field>
              {withVolumes ? (
                <VolumeSourceField
                  value={volumeSource}
                  error={fields.issue('volumeSource')}
                  onChange={(value) => {
                    setVolumeSource(value);
                    fields.edit('volumeSource');
                  }}
                />
              ) : null}
            </div>
            {fields.placed ? null : <ErrorNote error={error} title="Cannot plan this group restore" />}
            <div className="form-actions">
              {busy ? (
                <span className="muted" role="status">
                  Planning: reading each backup and asking each target cluster…
                </span>
              ) : null}
              <button type="button" onClick={props.onClose}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={busy || chosen.length === 0}>
                Review plans
              </button>
            </div>
          </form>
        )}
      </div>
    </Dialog>
  );
}

function MemberTable(props: {
  backups: BackupView[];
  choices: Record<string, MemberChoice>;
  clusters: ClusterView[] | undefined;
  /** The refusal's words about a member (by backup id), shown in its row. */
  issue: (id: string) => string | undefined;
  onChange: (id: string, change: Partial<MemberChoice>) => void;
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Restore</th>
            <th scope="col">Backup</th>
            <th scope="col">Phase</th>
            <th scope="col">Into cluster</th>
          </tr>
        </thead>
        <tbody>
          {props.backups.map((backup) => {
            const choice = props.choices[backup.id];
            const source = backup.cluster.name ?? '(unknown cluster)';
            const issue = props.issue(backup.id);
            return (
              <tr key={backup.id}>
                <td>
                  <label className="check" style={{ margin: 0 }}>
                    <input
                      type="checkbox"
                      checked={choice?.include ?? false}
                      disabled={!finished(backup)}
                      onChange={(e) => props.onChange(backup.id, { include: e.target.checked })}
                      aria-label={`Restore the backup of ${source}`}
                    />
                    {source}
                  </label>
                </td>
                <td>{backup.name}</td>
                <td>
                  <Badge value={backup.phase} title={backup.failureReason} />
                  {finished(backup) ? null : <div className="muted">cannot be restored</div>}
                </td>
                <td className={issue ? 'field-invalid' : undefined}>
                  <select
                    aria-label={`Target cluster for ${source}`}
                    aria-invalid={issue ? true : undefined}
                    value={choice?.target ?? ''}
                    disabled={!choice?.include}
                    onChange={(e) => props.onChange(backup.id, { target: e.target.value })}
                  >
                    {choice?.target && !props.clusters?.some((c) => c.name === choice.target) ? (
                      <option value={choice.target}>{choice.target} (removed)</option>
                    ) : null}
                    {choice?.target ? null : <option value="">Choose…</option>}
                    {props.clusters?.map((cluster) => (
                      <option key={cluster.id} value={cluster.name}>
                        {cluster.name === backup.cluster.name ? `${cluster.name} (its own)` : cluster.name}
                        {cluster.health === 'Healthy' ? '' : ` — ${cluster.health}`}
                      </option>
                    ))}
                  </select>
                  {issue ? (
                    <div className="field-error" role="alert">
                      {issue}
                    </div>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Skipped(props: { skipped: GroupRestorePlanView['skipped'] }) {
  return (
    <div className="card">
      <h3>Left out</h3>
      <ul>
        {props.skipped.map((s) => (
          <li key={s.backup.id}>
            {s.cluster ?? s.backup.name}: {s.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
