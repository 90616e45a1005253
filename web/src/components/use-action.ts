import { useCallback, useState } from 'react';
import type { ApiError } from '../api/client';
import { asApiError } from './use-load';

export interface ActionFailure {
  error: ApiError;
  /** What did not happen, as the error bar's title ("The sync did not start"). */
  title: string;
}

/**
 * A page's buttons that call the API: which one is busy (one at a time), and why the last one
 * failed. `leaveBusy`: the action leaves the page on success (to Microsoft, to a preview), so its
 * button stays busy until then.
 */
export function useAction<K extends string>() {
  const [busy, setBusy] = useState<K | null>(null);
  const [failure, setFailure] = useState<ActionFailure | null>(null);
  const run = useCallback(async (key: K, title: string, work: () => Promise<void>, options: { leaveBusy?: boolean } = {}) => {
    setBusy(key);
    setFailure(null);
    try {
      await work();
      if (!options.leaveBusy) setBusy(null);
    } catch (e) {
      setFailure({ error: asApiError(e), title });
      setBusy(null);
    }
  }, []);
  return { busy, failure, run };
}
