/** A small hash router: `#/projects/p/clusters/c?tab=backups` — links work with the keyboard and history. */
import { type ReactNode, useEffect, useState } from 'react';

export interface Location {
  path: string[];
  query: URLSearchParams;
}

function current(): Location {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = hash.split('?');
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return location;
}

/** `href` for a path of segments (each encoded) and optional query. */
export function href(segments: string[], query?: Record<string, string>): string {
  const path = `/${segments.map(encodeURIComponent).join('/')}`;
  const search = query ? `?${new URLSearchParams(query).toString()}` : '';
  return `#${path}${search}`;
}

export function navigate(segments: string[], query?: Record<string, string>): void {
  window.location.hash = href(segments, query);
}

export function Link(props: {
  to: string[];
  query?: Record<string, string>;
  children: ReactNode;
  className?: string;
}) {
  return (
    <a href={href(props.to, props.query)} className={props.className}>
      {props.children}
    </a>
  );
}
