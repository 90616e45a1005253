import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/client';
import type { Session } from '../logic/session';

export interface SessionContextValue {
  session: Session;
  api: ApiClient;
  signOut: () => void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}
