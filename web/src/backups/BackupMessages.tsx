/** A backup's errors and warnings, grouped as Velero groups them: the run, cluster-scoped, per namespace. */
import type { BackupView } from '../../../src/api/types.ts';

type Messages = BackupView['errors'];

function groups(messages: Messages): { title: string; lines: string[] }[] {
  const result = [
    { title: 'Backup', lines: messages.velero ?? [] },
    { title: 'Cluster-scoped', lines: messages.cluster ?? [] },
    ...Object.entries(messages.namespaces ?? {}).map(([namespace, lines]) => ({
      title: `Namespace ${namespace}`,
      lines,
    })),
  ];
  return result.filter((group) => group.lines.length > 0);
}

/** Every message, one line each, prefixed with where it arose (for a tooltip). */
export function messageLines(messages: Messages): string[] {
  return groups(messages).flatMap((group) =>
    group.lines.map((line) => (group.title === 'Backup' ? line : `${group.title}: ${line}`)),
  );
}

function MessageList(props: { title: string; messages: Messages }) {
  const shown = groups(props.messages);
  if (shown.length === 0) return null;
  return (
    <div>
      <h3>{props.title}</h3>
      {shown.map((group) => (
        <div key={group.title}>
          <div className="muted">{group.title}</div>
          <ul>
            {group.lines.map((line, index) => (
              // Messages can repeat; their order is their identity.
              // biome-ignore lint/suspicious/noArrayIndexKey: a list that never reorders
              <li key={index}>{line}</li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}

export function BackupMessages(props: { backup: BackupView }) {
  const { errors, warnings } = props.backup;
  if (groups(errors).length === 0 && groups(warnings).length === 0) return <p className="muted">None</p>;
  return (
    <>
      <MessageList title={`Errors (${props.backup.errorCount})`} messages={errors} />
      <MessageList title={`Warnings (${props.backup.warningCount})`} messages={warnings} />
    </>
  );
}
