import { useEffect, useState } from 'react';
import { companyPath } from '../api/client';
import { GroupsSchema } from '../api/schemas';
import { knowsGroupName, rememberGroupNames } from '../logic/group-names';
import { useSession } from './session-context';

/**
 * Learns the names of these groups that the console has not seen (`GET …/entra/groups?ids=`), so a
 * scope picked in another tab, or before any sync read the groups, still shows names; re-renders
 * once they are known. A group deleted meanwhile, or a lookup that fails, keeps its short id.
 */
export function useGroupNames(companyId: string, ids: readonly string[], enabled = true): void {
  const { api } = useSession();
  const [, setLearned] = useState(0);
  const key = ids.filter((id) => !knowsGroupName(window.sessionStorage, id)).join(',');
  useEffect(() => {
    if (!enabled || key === '') return;
    let stale = false;
    api.get(companyPath(companyId, `entra/groups?ids=${encodeURIComponent(key)}`), GroupsSchema).then(
      ({ items }) => {
        if (stale) return;
        rememberGroupNames(window.sessionStorage, items);
        setLearned((n) => n + 1);
      },
      () => undefined,
    );
    return () => {
      stale = true;
    };
  }, [api, companyId, key, enabled]);
}
