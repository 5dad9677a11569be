/** One backup location in the table, with what the user's role lets them do to it. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { LocationView, ValidationView } from '../../../src/api/types.ts';
import { api } from '../api.ts';
import { Badge, ErrorNote } from '../components/ui.tsx';
import { formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { providerLabels } from './location-form.ts';

type RowNote = { kind: 'validated'; result: ValidationView } | { kind: 'failed'; error: unknown };

export function LocationRow(props: { location: LocationView; onEdit: () => void }) {
  const { location } = props;
  const session = useSession();
  const projectName = session.project?.name ?? '';
  const queryClient = useQueryClient();
  const [note, setNote] = useState<RowNote>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const path = `/projects/${encodeURIComponent(projectName)}/locations/${encodeURIComponent(location.id)}`;
  const showActions = session.can('operator');
  const cancelRef = useRef<HTMLButtonElement>(null);
  // The Delete button gives way to the question: keep keyboard focus in the row, on the safe answer.
  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
  }, [confirming]);

  const act = async (action: () => Promise<RowNote | undefined>) => {
    setBusy(true);
    setNote(undefined);
    try {
      setNote(await action());
    } catch (error) {
      setNote({ kind: 'failed', error });
    } finally {
      setBusy(false);
      setConfirming(false);
      await queryClient.invalidateQueries({ queryKey: ['p', projectName] });
    }
  };
  const validate = () =>
    act(async () => {
      const answer = await api<{ result: ValidationView }>('POST', `${path}/validate`);
      return { kind: 'validated', result: answer.result };
    });
  const remove = () =>
    act(async () => {
      await api('DELETE', path);
      return undefined;
    });

  return (
    <tr>
      <td>
        <strong>{location.name}</strong>
      </td>
      <td>{providerLabels[location.provider]}</td>
      <td>
        <code>{location.where}</code>
        {location.config.copyVolumeData === true ? (
          <div className="muted">
            Copies volume data by default
            {location.config.keepVolumeSnapshots === true ? ', keeping the CSI snapshots too' : ''}
          </div>
        ) : null}
      </td>
      <td>
        <Badge value={location.status} />
        {location.status === 'Invalid' && location.problems.length > 0 ? (
          <ul className="problems">
            {location.problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        ) : null}
        <SyncProblems location={location} />
      </td>
      <td>{formatTime(location.validatedAt)}</td>
      {showActions ? (
        <td style={{ maxWidth: 440 }}>
          {confirming ? (
            <div>
              <p>
                Delete “{location.name}”? Lifeboat forgets it; the bucket and what is in it stay untouched.
              </p>
              <div className="row-actions">
                <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
                  Yes, delete
                </button>{' '}
                <button type="button" ref={cancelRef} disabled={busy} onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <div className="row-actions">
              <button type="button" disabled={busy} onClick={() => void validate()}>
                {busy ? 'Validating…' : 'Validate'}
              </button>{' '}
              {session.can('admin') ? (
                <>
                  <button type="button" disabled={busy} onClick={props.onEdit}>
                    Edit
                  </button>{' '}
                  <button
                    type="button"
                    className="danger"
                    disabled={busy}
                    onClick={() => {
                      setNote(undefined);
                      setConfirming(true);
                    }}
                  >
                    Delete
                  </button>
                </>
              ) : null}
            </div>
          )}
          <RowNoteView note={note} />
        </td>
      ) : null}
    </tr>
  );
}

/** Folders of the bucket the last sync could not record as backups (a decoy, a malformed description...). */
function SyncProblems(props: { location: LocationView }) {
  const { total, folders } = props.location.syncProblems;
  if (total === 0) return null;
  return (
    <div className="problems" role="note" style={{ marginTop: 6 }}>
      <strong>
        {total === 1 ? '1 folder' : `${total} folders`} of this location could not be read as{' '}
        {total === 1 ? 'a backup' : 'backups'}
        {folders.length < total ? ` (the first ${folders.length} shown)` : ''}:
      </strong>
      <ul className="problems">
        {folders.map((problem) => (
          <li key={problem.folder}>
            <code>backups/{problem.folder}/</code>: {problem.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

function RowNoteView(props: { note: RowNote | undefined }) {
  const { note } = props;
  if (!note) return null;
  if (note.kind === 'failed') return <ErrorNote error={note.error} />;
  if (note.result.ok)
    return (
      <div className="ok-note" role="status">
        Validated: {note.result.checks.join(', ')}
      </div>
    );
  return (
    <div className="error-note" role="alert">
      <strong>Invalid:</strong>
      <ul>
        {note.result.problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}
