import { SymbolUser } from '../domain/symbol-user';
import { Versioned } from './integration-store.port';
import { Page } from './sync-run-store.port';

/** Largest page `list` serves (a larger limit is `validation_failed`). */
export const MAX_SYMBOL_USER_PAGE_SIZE = 500;

export interface SymbolUserStore {
  get(companyId: string, id: string): Promise<Versioned<SymbolUser> | null>;
  /** Symbol users of the company whose `emailKey` is one of these (lower-cased) addresses. */
  findByEmailKeys(companyId: string, emailKeys: readonly string[]): Promise<Array<Versioned<SymbolUser>>>;
  /**
   * `expected` null = create (AppError 'conflict' on a duplicate id or e-mail in the company), else
   * replace the version read (AppError 'precondition_failed' when it changed meanwhile). Then the
   * company's counts (UserCountsStore) move by what the write changed (previous → next).
   */
  save(user: SymbolUser, expected: Versioned<SymbolUser> | null): Promise<Versioned<SymbolUser>>;
  list(
    companyId: string,
    options: { status: SymbolUser['status'] | null; limit: number; cursor: string | null },
  ): Promise<Page<SymbolUser>>;
}
