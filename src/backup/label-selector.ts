/**
 * Label selectors as kubectl writes them (`app=web,tier!=db,env in (a,b),!legacy`), checked before any
 * call and converted to the LabelSelector Velero records in the Backup's spec.
 */
import type { LabelSelector } from '../archive/index.ts';

/** A selector the user must fix; the message names the bad part. */
export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
}

const keyPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  terms.push(current.trim());
  return terms;
}

function checkKey(key: string, term: string): string {
  if (!keyPattern.test(key)) throw new LabelSelectorError(`invalid label key "${key}" in "${term}"`);
  return key;
}

function checkValue(value: string, term: string): string {
  if (value.length > 63 || !valuePattern.test(value))
    throw new LabelSelectorError(`invalid label value "${value}" in "${term}"`);
  return value;
}

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

/** Parses one term into a label match or a requirement. */
function parseTerm(term: string, text: string): { label: [string, string] } | { requirement: Requirement } {
  const equality = /^([^=!\s(]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(term);
  if (equality) {
    const [, key = '', op, value = ''] = equality;
    checkKey(key, term);
    checkValue(value, term);
    return op === '!='
      ? { requirement: { key, operator: 'NotIn', values: [value] } }
      : { label: [key, value] };
  }
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key = '', op, list = ''] = set;
    checkKey(key, term);
    const values = list.split(',').map((v) => checkValue(v.trim(), term));
    return { requirement: { key, operator: op === 'in' ? 'In' : 'NotIn', values } };
  }
  const absent = /^!(\S+)$/.exec(term);
  if (absent) return { requirement: { key: checkKey(absent[1] ?? '', term), operator: 'DoesNotExist' } };
  if (keyPattern.test(term)) return { requirement: { key: term, operator: 'Exists' } };
  throw new LabelSelectorError(
    `cannot read "${term}" in label selector "${text}": use key=value, key!=value, key in (a,b), key notin (a,b), key or !key`,
  );
}

/** Parses a selector; throws `LabelSelectorError` saying which term is wrong. */
export function parseLabelSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: Requirement[] = [];
  for (const term of splitTerms(text)) {
    if (!term) throw new LabelSelectorError(`empty term in label selector "${text}"`);
    const parsed = parseTerm(term, text);
    if ('label' in parsed) matchLabels[parsed.label[0]] = parsed.label[1];
    else matchExpressions.push(parsed.requirement);
  }
  const selector: LabelSelector = {};
  if (Object.keys(matchLabels).length) selector.matchLabels = matchLabels;
  if (matchExpressions.length) selector.matchExpressions = matchExpressions;
  return selector;
}
