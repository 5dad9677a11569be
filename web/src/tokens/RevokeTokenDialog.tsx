/** Asks before revoking a token: whatever uses it is refused from then on, and it cannot be undone. */
import type { TokenView } from '../../../src/api/types.ts';
import { Dialog, ErrorNote } from '../components/ui.tsx';
import { useRevokeToken } from './token-queries.ts';

export function RevokeTokenDialog(props: { token: TokenView; onClose: () => void }) {
  const revoke = useRevokeToken();
  const { token } = props;
  return (
    <Dialog title="Revoke token" onClose={props.onClose}>
      <div>
        <p>
          Revoke the token <strong>{token.name}</strong>? Everything that uses it is refused from now on; this
          cannot be undone.
        </p>
        {token.current ? (
          <p className="error-note">
            This is the token you are signed in with: revoking it signs you out of the console.
          </p>
        ) : null}
        <ErrorNote error={revoke.error} title="Not revoked" />
        <div className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            disabled={revoke.isPending}
            onClick={() => revoke.mutate(token.id, { onSuccess: props.onClose })}
          >
            Revoke token
          </button>
        </div>
      </div>
    </Dialog>
  );
}
