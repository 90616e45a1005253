import { randomUUID } from 'node:crypto';
import { ConsentNonce } from '../../src/domain/consent';
import { DirectoryUserRecord, EMPTY_ATTRIBUTES } from '../../src/domain/directory/directory-user';
import { SubscriptionRecord } from '../../src/domain/graph-subscription';
import { connect, Integration, newIntegration } from '../../src/domain/integration';
import { SymbolUser } from '../../src/domain/symbol-user';
import { queuedRun, SyncRun } from '../../src/domain/sync-run';
import { SyncState } from '../../src/domain/sync-state';
import { Page } from '../../src/ports/sync-run-store.port';

/** Stored documents for store tests (the contract suites, the Cosmos adapter tests). Contract cases each make their own company, so they share nothing. */

export const NOW = '2026-11-27T10:00:00.000Z';

export function uniqueCompany(): string {
  return `co-${randomUUID().slice(0, 12)}`;
}

/** An Entra-style object id that sorts by `n`. */
export function oid(n: number): string {
  return `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
}

export function directoryUser(
  companyId: string,
  id: string,
  overrides: Partial<DirectoryUserRecord> = {},
): DirectoryUserRecord {
  const tag = id.slice(-4);
  return {
    companyId,
    id,
    connectionId: 'conn-1',
    attributes: { ...EMPTY_ATTRIBUTES, displayName: `User ${tag}`, mail: `u${tag}@acme.example` },
    hash: 'hash-1',
    status: 'pending',
    flags: [],
    symbolUserId: null,
    deactivated: null,
    pendingRemoval: null,
    scope: null,
    firstSeenAt: NOW,
    lastChangedAt: NOW,
    seenRound: null,
    decidedAt: null,
    decidedBy: null,
    ...overrides,
  };
}

export function symbolUser(
  companyId: string,
  id: string,
  email: string,
  overrides: Partial<SymbolUser> = {},
): SymbolUser {
  return {
    id,
    companyId,
    email,
    emailKey: email.toLowerCase(),
    givenName: 'Ada',
    surname: 'Lovelace',
    displayName: 'Ada Lovelace',
    jobTitle: null,
    department: null,
    officeLocation: null,
    mobilePhone: null,
    country: null,
    city: null,
    employeeId: null,
    managerEntraId: null,
    entraObjectId: null,
    status: 'active',
    source: 'manual',
    createdAt: NOW,
    updatedAt: NOW,
    deactivatedAt: null,
    customFields: {},
    links: [],
    ...overrides,
  };
}

export function integration(companyId: string): Integration {
  return connect(newIntegration(companyId, NOW), {
    tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    admin: { subject: 'admin-1', email: 'admin@acme.example' },
    nowIso: NOW,
    newConnectionId: 'conn-1',
  }).integration;
}

export function syncState(companyId: string, overrides: Partial<SyncState> = {}): SyncState {
  return {
    companyId,
    connectionId: 'conn-1',
    deltaLink: null,
    lastFullRoundAt: null,
    removalsOutstanding: false,
    replacedConnection: false,
    round: null,
    updatedAt: NOW,
    ...overrides,
  };
}

export function syncRun(companyId: string, runId: string, queuedAt = NOW): SyncRun {
  return queuedRun({ runId, companyId, connectionId: 'conn-1', trigger: 'manual', mode: 'delta', nowIso: queuedAt });
}

export function consentNonce(companyId: string, overrides: Partial<ConsentNonce> = {}): ConsentNonce {
  return {
    nonce: `nonce-${randomUUID().replace(/-/g, '')}`.slice(0, 40),
    companyId,
    step: 'signin',
    requestedBy: { subject: 'admin-1', email: 'admin@acme.example' },
    issuedAt: NOW,
    expiresAt: new Date(Date.parse(NOW) + 900_000).toISOString(),
    browserHash: 'AbCdEfGhIjKlMnOpQrStUv',
    oidcNonce: 'oidc-nonce-abcdefghijklmnop',
    pkceVerifier: 'v'.repeat(64),
    proven: null,
    ...overrides,
  };
}

export function subscriptionRecord(
  subscriptionId: string,
  overrides: Partial<SubscriptionRecord> = {},
): SubscriptionRecord {
  return {
    subscriptionId,
    tenantId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    clientStateHash: 'a'.repeat(64),
    expiresAt: '2026-12-24T10:00:00.000Z',
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

/**
 * Pages through a list to its end; `onPage` may write between pages. Returns each page's items.
 * A page may be short, and the cursor before the last page may lead to an empty one.
 */
export async function pageAll<T>(
  list: (cursor: string | null) => Promise<Page<T>>,
  onPage: (items: T[]) => Promise<void> = () => Promise.resolve(),
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list(cursor);
    pages.push(page.items);
    await onPage(page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 100);
  return pages;
}
