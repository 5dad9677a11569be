/**
 * How a row or figure that needs attention stands out (a rejected or failed object, a missing storage
 * class), in the colours of the shared stylesheet's error note.
 */
import type { CSSProperties } from 'react';

export const problemStyle: CSSProperties = { color: 'var(--bad)', background: '#fdf0ef' };
