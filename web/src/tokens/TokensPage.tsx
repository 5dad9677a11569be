/**
 * The signed-in user's API tokens: create one with a name and an expiry (its value is shown once), see each
 * with its expiry, last use and state, revoke one. Reached from "Tokens" beside the user's name.
 */
import { useState } from 'react';
import type { TokenView } from '../../../src/api/types.ts';
import { EmptyState, ErrorNote } from '../components/ui.tsx';
import { formatTime, relative } from '../format.ts';
import { useSession } from '../session.tsx';
import { CreateTokenDialog } from './CreateTokenDialog.tsx';
import { RevokeTokenDialog } from './RevokeTokenDialog.tsx';
import { useTokens } from './token-queries.ts';

const stateClass: Record<TokenView['state'], string> = {
  active: 'badge-ok',
  expired: 'badge-warn',
  revoked: 'badge-bad',
};

function Expiry(props: { token: TokenView }) {
  const { token } = props;
  if (token.state === 'revoked') return <span className="muted">revoked {formatTime(token.revokedAt)}</span>;
  if (!token.expiresAt) return <span>Never</span>;
  return (
    <span title={token.expiresAt}>
      {formatTime(token.expiresAt)} <span className="muted">({relative(token.expiresAt)})</span>
    </span>
  );
}

export function TokensPage() {
  const session = useSession();
  const tokens = useTokens();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<TokenView>();
  const createButton = (
    <button type="button" className="primary" onClick={() => setCreating(true)}>
      Create token
    </button>
  );
  return (
    <section>
      <div className="page-head">
        <h1>API tokens</h1>
        <div className="actions">{createButton}</div>
      </div>
      <p className="muted">
        Tokens of <strong>{session.user.name}</strong>: each signs in to the console, the{' '}
        <code>lifeboat</code> command (<code>LIFEBOAT_TOKEN</code>) and the API with your roles. A token's
        value is shown once, when it is created; Lifeboat keeps only a hash of it.
      </p>
      {tokens.isPending ? <p className="loading">Loading…</p> : null}
      <ErrorNote error={tokens.error} title="Cannot load your tokens" />
      {tokens.data?.length === 0 ? (
        <EmptyState title="No tokens">
          <p>Create one for each script or pipeline, so each can be revoked on its own.</p>
          {createButton}
        </EmptyState>
      ) : null}
      {tokens.data && tokens.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <tr key={token.id}>
                  <td>
                    {token.name}
                    {token.current ? <span className="muted"> (this session)</span> : null}
                  </td>
                  <td>
                    <span className={`badge ${stateClass[token.state]}`}>{token.state}</span>
                  </td>
                  <td>
                    <Expiry token={token} />
                  </td>
                  <td title={token.lastUsedAt ?? undefined}>
                    {token.lastUsedAt ? relative(token.lastUsedAt) : <span className="muted">never</span>}
                  </td>
                  <td>{formatTime(token.createdAt)}</td>
                  <td>
                    {token.state === 'revoked' ? null : (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Revoke ${token.name}`}
                        onClick={() => setRevoking(token)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {creating ? <CreateTokenDialog onClose={() => setCreating(false)} /> : null}
      {revoking ? <RevokeTokenDialog token={revoking} onClose={() => setRevoking(undefined)} /> : null}
    </section>
  );
}
