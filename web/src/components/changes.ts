/** Pages say "company data changed" (approved, synced, released…) so the navigation's counts follow. */
const listeners = new Set<() => void>();

export function companyDataChanged(): void {
  for (const listener of listeners) listener();
}

export function onCompanyDataChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
