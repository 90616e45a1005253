import { SymbolUser } from '../domain/symbol-user';
import { Versioned } from './integration-store.port';
import { Page } from './sync-run-store.port';

/** Largest page `list` serves (a larger limit is `validation_failed`). */
export const MAX_SYMBOL_USER_PAGE_SIZE = 500;

export interface SymbolUserStore {
  get(companyId: string, id: string): Promise<Versioned<SymbolUser> | null>;
  /** Symbol users of the company whose `emailKey` is one of these (lower-cased) addresses. */
  findByEmailKeys(companyId: string, emailKeys: readonly string[]): Promise<Array<Versioned<SymbolUser>>>;
  /** null = create (AppError 'conflict' on a duplicate id or e-mail in the company), else IfMatch replace. */
  save(user: SymbolUser, expectedEtag: string | null): Promise<Versioned<SymbolUser>>;
  list(
    companyId: string,
    options: { status: SymbolUser['status'] | null; limit: number; cursor: string | null },
  ): Promise<Page<SymbolUser>>;
}
