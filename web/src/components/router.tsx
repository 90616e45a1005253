import { Link as FluentLink } from '@fluentui/react-components';
import { type MouseEvent, type ReactNode, useEffect, useState } from 'react';
import { BASE } from '../logic/routes';

/** A small history-API router: the console has a dozen pages and needs no more than this. */

const listeners = new Set<() => void>();

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = `${BASE}${path}`;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

export function useLocation(): { pathname: string; search: string } {
  const [location, setLocation] = useState({ pathname: window.location.pathname, search: window.location.search });
  useEffect(() => {
    const update = () => {
      setLocation({ pathname: window.location.pathname, search: window.location.search });
    };
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return location;
}

/** A link inside the console: a real `href` (open in a new tab works), in-app navigation on click. */
export function Link(props: { to: string; children: ReactNode; 'aria-current'?: 'page' | undefined; className?: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <FluentLink href={`${BASE}${props.to}`} onClick={onClick} aria-current={props['aria-current']} className={props.className}>
      {props.children}
    </FluentLink>
  );
}
