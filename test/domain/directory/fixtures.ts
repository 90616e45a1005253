import { attributesHash } from '../../../src/domain/directory/fingerprint-hash';
import { DirectoryAttributes, DirectoryUserRecord, EMPTY_ATTRIBUTES } from '../../../src/domain/directory/directory-user';
import { DiffContext, StoredRecord } from '../../../src/domain/directory/sync-diff';
import { DEFAULT_SETTINGS, IntegrationSettings } from '../../../src/domain/integration-settings';

export const NOW = '2026-11-27T10:00:00.000Z';
export const EARLIER = '2026-11-20T10:00:00.000Z';
export const hash = attributesHash;

/** A licensed, enabled member with a mailbox: no flags. Override what a case needs. */
export function person(overrides: Partial<DirectoryAttributes> = {}): DirectoryAttributes {
  return {
    ...EMPTY_ATTRIBUTES,
    userPrincipalName: 'adele.vance@contoso.example',
    mail: 'Adele.Vance@contoso.example',
    proxyAddresses: ['SMTP:Adele.Vance@contoso.example', 'smtp:adele@contoso.onmicrosoft.com'],
    otherMails: ['adele.personal@home.example'],
    givenName: 'Adele',
    surname: 'Vance',
    displayName: 'Adele Vance',
    jobTitle: 'Retail Manager',
    department: 'Retail',
    accountEnabled: true,
    userType: 'Member',
    licensed: true,
    ...overrides,
  };
}

/** The Graph payload of a user in full (what a first round or a new user gives). */
export function graphUser(id: string, a: DirectoryAttributes): Record<string, unknown> {
  return {
    id,
    userPrincipalName: a.userPrincipalName,
    mail: a.mail,
    otherMails: a.otherMails,
    proxyAddresses: a.proxyAddresses,
    givenName: a.givenName,
    surname: a.surname,
    displayName: a.displayName,
    jobTitle: a.jobTitle,
    department: a.department,
    officeLocation: a.officeLocation,
    companyName: a.companyName,
    employeeId: a.employeeId,
    mobilePhone: a.mobilePhone,
    country: a.country,
    city: a.city,
    usageLocation: a.usageLocation,
    accountEnabled: a.accountEnabled,
    userType: a.userType,
    creationType: a.creationType,
    assignedLicenses: a.licensed ? [{ skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900', disabledPlans: [] }] : [],
    ...(a.managerId ? { 'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: a.managerId }] } : {}),
  };
}

export function record(id: string, overrides: Partial<DirectoryUserRecord> = {}, attributes: DirectoryAttributes = person()): DirectoryUserRecord {
  return {
    companyId: 'acme',
    id,
    connectionId: 'conn-1',
    attributes,
    hash: hash(attributes),
    status: 'pending',
    flags: [],
    symbolUserId: null,
    deactivated: null,
    pendingRemoval: null,
    scope: null,
    firstSeenAt: EARLIER,
    lastChangedAt: EARLIER,
    seenRound: null,
    decidedAt: null,
    decidedBy: null,
    ...overrides,
  };
}

export function stored(...records: DirectoryUserRecord[]): Map<string, StoredRecord> {
  return new Map(records.map((r) => [r.id, { record: r, etag: `etag-${r.id}` }]));
}

export function ctx(overrides: Omit<Partial<DiffContext>, 'settings'> & { settings?: Partial<IntegrationSettings> } = {}): DiffContext {
  const { settings, ...rest } = overrides;
  return {
    companyId: 'acme',
    connectionId: 'conn-1',
    runId: 'run-2',
    roundId: null,
    nowIso: NOW,
    hash,
    symbolEmails: new Set(),
    ...rest,
    settings: { ...DEFAULT_SETTINGS, ...settings },
  };
}
