/** Choosing a role: one radio per role, each saying what it lets a member do. */
import type { Role } from '../../../src/api/types.ts';
import { roles, roleWork } from './people-queries.ts';

export function RoleChoice(props: {
  value: Role | null;
  onChange: (role: Role | null) => void;
  /** Offer "not a member" too (creating a user without adding them to the project). */
  allowNone?: boolean;
  legend?: string;
}) {
  return (
    <fieldset className="field">
      <legend>{props.legend ?? 'Role'}</legend>
      {props.allowNone ? (
        <label className="check">
          <input
            type="radio"
            name="member-role"
            checked={props.value === null}
            onChange={() => props.onChange(null)}
          />
          Not a member of this project
        </label>
      ) : null}
      {roles.map((role) => (
        <label key={role} className="check">
          <input
            type="radio"
            name="member-role"
            value={role}
            checked={props.value === role}
            onChange={() => props.onChange(role)}
          />
          <span>
            <strong>{role}</strong> <span className="muted">— {roleWork[role]}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
