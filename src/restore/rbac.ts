/**
 * What an RBAC object of a backup would grant once restored, for the plan to show before anything is
 * written: a binding's role and subjects, a role's rules that reach far (wildcards, or the verbs that let
 * their holder grant themselves more: escalate, bind, impersonate), and flags for what deserves a second look.
 */
import { asRecord, type KubeJson } from './sanitize.ts';

/** The rights an RBAC object grants, as the plan shows them. */
export interface RbacGrant {
  /** For bindings: the role granted, e.g. `ClusterRole cluster-admin`. */
  role?: string;
  /** For bindings: who receives it, e.g. `Group system:authenticated`, `ServiceAccount ns/name`. */
  subjects?: string[];
  /** For roles: the far-reaching rules, e.g. `verbs * on resources * in groups *`. */
  rules?: string[];
  /** What deserves a second look, in sentences; empty when nothing does. */
  flags: string[];
}

const bindings = new Set([
  'clusterrolebindings.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
]);
const roles = new Set(['clusterroles.rbac.authorization.k8s.io', 'roles.rbac.authorization.k8s.io']);

/** Groups every user, every anonymous caller, or every service account belongs to. */
export const broadGroups = new Set([
  'system:authenticated',
  'system:unauthenticated',
  'system:serviceaccounts',
]);
const anonymousUser = 'system:anonymous';
const adminRole = 'cluster-admin';
const riskyVerbs = ['escalate', 'bind', 'impersonate'];

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function text(value: unknown): string {
  const s = typeof value === 'string' ? value : '?';
  return s.length > 100 ? `${s.slice(0, 100)}...` : s;
}

function bindingGrant(object: KubeJson): RbacGrant {
  const ref = asRecord(object.roleRef);
  const roleName = text(ref?.name);
  const grant: RbacGrant = { role: `${text(ref?.kind)} ${roleName}`, subjects: [], flags: [] };
  if (ref?.name === adminRole) grant.flags.push('grants cluster-admin: every right on every object');
  const subjects = Array.isArray(object.subjects) ? object.subjects : [];
  for (const subject of subjects.slice(0, 50)) {
    const s = asRecord(subject);
    const kind = text(s?.kind);
    const name = text(s?.name);
    const namespace = typeof s?.namespace === 'string' ? `${text(s.namespace)}/` : '';
    grant.subjects?.push(`${kind} ${namespace}${name}`);
    if (kind === 'Group' && broadGroups.has(name)) grant.flags.push(`binds the broad group ${name}`);
    if (kind === 'User' && name === anonymousUser)
      grant.flags.push(`binds ${anonymousUser}: every caller without credentials`);
  }
  if (subjects.length > 50) grant.subjects?.push(`... and ${subjects.length - 50} more`);
  return grant;
}

function roleGrant(object: KubeJson): RbacGrant | undefined {
  const rules: string[] = [];
  const flags = new Set<string>();
  const all = Array.isArray(object.rules) ? object.rules : [];
  for (const rule of all) {
    const r = asRecord(rule);
    const verbs = strings(r?.verbs);
    const resources = strings(r?.resources);
    const groups = strings(r?.apiGroups);
    const urls = strings(r?.nonResourceURLs);
    const wildcard =
      verbs.includes('*') || resources.includes('*') || groups.includes('*') || urls.includes('*');
    const risky = riskyVerbs.filter((verb) => verbs.includes(verb));
    if (!wildcard && risky.length === 0) continue;
    if (wildcard) flags.add('has wildcard rules');
    for (const verb of risky) flags.add(`allows ${verb}`);
    if (rules.length < 20) {
      const on = urls.length
        ? `URLs ${urls.map(text).join(',')}`
        : `resources ${resources.map(text).join(',') || '(none)'} in groups ${groups.map((g) => text(g) || '""').join(',') || '(none)'}`;
      rules.push(`verbs ${verbs.map(text).join(',')} on ${on}`);
    }
  }
  if (asRecord(object.aggregationRule)) flags.add('aggregates the rules of other roles by label');
  if (rules.length === 0 && flags.size === 0) return undefined;
  return { rules, flags: [...flags] };
}

/** What `object` grants, for bindings always and for roles when they reach far; undefined otherwise. */
export function rbacGrant(groupResource: string, object: KubeJson): RbacGrant | undefined {
  if (bindings.has(groupResource)) return bindingGrant(object);
  if (roles.has(groupResource)) return roleGrant(object);
  return undefined;
}
