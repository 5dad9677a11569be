/**
 * What a restore does to each object, in the same words in its plan (what it would do) and in its result
 * (what it did): an object that already exists and differs from the backup is "left as is (differs)" in both
 * (the API calls it `differs` in a plan and `exists` in a result; those names stay, for compatibility). Each
 * result action follows the plan action it comes from, in the same order.
 */
import type { RestorePlan } from '../../../src/api/types.ts';

/** The keys of a plan's counts: its actions, and `rejected` (creates the target's API server refused). */
export type PlanCountKey = keyof RestorePlan['counts'];

/** A plan's actions, as the plan view labels its counts; rows use the same words in lower case. */
export const planActions: readonly [PlanCountKey, string][] = [
  ['create', 'Create'],
  ['update', 'Update'],
  ['unchanged', 'Unchanged'],
  ['differs', 'Left as is (differs)'],
  ['skip', 'Skip'],
  ['refuse', 'Refused'],
  ['rejected', 'Rejected by the server'],
];

/** A result's actions (a restore's counts and its objects), in the plan's order and words. */
export const resultActions: readonly [string, string][] = [
  ['created', 'Created'],
  ['updated', 'Updated'],
  ['unchanged', 'Unchanged'],
  ['exists', 'Left as is (differs)'],
  ['skipped', 'Skipped'],
  ['failed', 'Failed'],
];

const planLabels = new Map<string, string>(planActions);
const resultLabels = new Map<string, string>(resultActions);

/** The word for one action of a plan's row (`differs` → "left as is (differs)"). */
export function planActionWord(action: string): string {
  return (planLabels.get(action) ?? action).toLowerCase();
}

/** The word for one action of a restored object (`exists` → "left as is (differs)"). */
export function resultActionWord(action: string): string {
  return (resultLabels.get(action) ?? action).toLowerCase();
}

/** Counts in words, in the vocabulary's order, zeros left out: "3 create, 1 left as is (differs)". */
export function countsText(counts: Record<string, number>, of: 'plan' | 'result'): string {
  const actions = of === 'plan' ? planActions : resultActions;
  const known = new Set(actions.map(([action]) => action));
  const word = of === 'plan' ? planActionWord : resultActionWord;
  return [...actions.map(([action]) => action), ...Object.keys(counts).filter((action) => !known.has(action))]
    .filter((action) => (counts[action] ?? 0) > 0)
    .map((action) => `${counts[action]} ${word(action)}`)
    .join(', ');
}
