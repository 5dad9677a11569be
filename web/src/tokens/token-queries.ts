/**
 * The Tokens screen's data: the signed-in user's API tokens (key `['tokens']`), creating one (its value is
 * in that one answer only) and revoking one.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CreatedTokenView, TokenRequest, TokenView } from '../../../src/api/types.ts';
import { api } from '../api.ts';

export function useTokens() {
  return useQuery({ queryKey: ['tokens'], queryFn: () => api<TokenView[]>('GET', '/tokens') });
}

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TokenRequest) => api<CreatedTokenView>('POST', '/tokens', body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/tokens/${encodeURIComponent(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  });
}

/** The expiries the form offers, in days (null: never). */
export const expiryChoices: { id: string; label: string; days: number | null }[] = [
  { id: '7', label: '7 days', days: 7 },
  { id: '30', label: '30 days', days: 30 },
  { id: '90', label: '90 days', days: 90 },
  { id: '365', label: '1 year', days: 365 },
  { id: 'custom', label: 'On a date…', days: null },
  { id: 'never', label: 'Never', days: null },
];

/**
 * The expiry to send for a choice: an ISO time `days` from `now`, the end of the custom date (its last
 * second in the user's time zone), null for never, undefined while the custom date is not filled in.
 */
export function expiryFor(choice: string, customDate: string, now: Date): string | null | undefined {
  if (choice === 'never') return null;
  if (choice === 'custom') {
    const [year, month, day] = customDate.split('-').map(Number);
    if (!year || !month || !day) return undefined;
    return new Date(year, month - 1, day, 23, 59, 59).toISOString();
  }
  const days = expiryChoices.find((entry) => entry.id === choice)?.days ?? 30;
  return new Date(now.getTime() + days * 86_400_000).toISOString();
}
