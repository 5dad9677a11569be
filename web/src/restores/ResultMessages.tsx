/** A restore's errors or warnings, grouped as Velero groups them: its own, cluster-wide, then by namespace. */
import type { RestoreView } from '../../../src/api/types.ts';

type Messages = RestoreView['errors'];

function lines(messages: Messages): { key: string; where: string; text: string }[] {
  const result: { key: string; where: string; text: string }[] = [];
  const add = (where: string, texts: string[] | undefined) =>
    texts?.forEach((text, index) => {
      result.push({ key: `${where}/${index}`, where, text });
    });
  add('Restore', messages.velero);
  add('Cluster-wide', messages.cluster);
  for (const [namespace, texts] of Object.entries(messages.namespaces ?? {}))
    add(`Namespace ${namespace}`, texts);
  return result;
}

export function ResultMessages(props: { title: string; messages: Messages; tone: 'error' | 'warning' }) {
  const all = lines(props.messages);
  if (all.length === 0) return null;
  return (
    <section className="card" aria-label={props.title}>
      <h2>
        {props.title} ({all.length})
      </h2>
      <div className={props.tone === 'error' ? 'error-note' : undefined}>
        <ul>
          {all.map((line) => (
            <li key={line.key}>
              <strong>{line.where}:</strong> {line.text}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
