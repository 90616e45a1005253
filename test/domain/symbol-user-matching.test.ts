import { SymbolUser } from '../../src/domain/symbol-user';
import { matchSymbolUser } from '../../src/domain/symbol-user-matching';
import { DIRECTORY_OWNED_FIELDS, followDirectory, symbolUserFromDirectory } from '../../src/domain/symbol-user-merge';
import { person } from './directory/fixtures';

function symbolUser(id: string, email: string, overrides: Partial<SymbolUser> = {}): SymbolUser {
  return {
    id, companyId: 'acme', email, emailKey: email.toLowerCase(), givenName: 'Old', surname: 'Name', displayName: 'Old Name', jobTitle: 'Old title', department: 'Old dept',
    officeLocation: null, mobilePhone: null, country: null, city: null, employeeId: null, managerEntraId: null, entraObjectId: null, status: 'active', source: 'manual',
    createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', deactivatedAt: null, customFields: { trainingAssignments: '7' }, links: [], ...overrides,
  };
}

const ENTRA = 'e-1';

describe('matching an approved directory user to an existing Symbol user', () => {
  // person(): mail Adele.Vance@contoso.example, UPN adele.vance@contoso.example, proxies SMTP:Adele.Vance@… and smtp:adele@contoso.onmicrosoft.com, otherMails adele.personal@home.example
  it.each([
    ['mail (different case)', 'ADELE.VANCE@CONTOSO.EXAMPLE'],
    ['a secondary smtp proxy address', 'adele@contoso.onmicrosoft.com'],
    ['otherMails', 'adele.personal@home.example'],
  ])('matches by %s', (_source, email) => {
    expect(matchSymbolUser(ENTRA, person(), [symbolUser('s-1', email)])).toEqual({ kind: 'match', userId: 's-1' });
  });

  it('matches by UPN when mail differs', () => {
    const attributes = person({ mail: 'a.vance@contoso.example', proxyAddresses: [], otherMails: [] });
    expect(matchSymbolUser(ENTRA, attributes, [symbolUser('s-1', 'adele.vance@contoso.example')])).toEqual({ kind: 'match', userId: 's-1' });
  });

  it('does not fold plus-addressing or ignore x500/sip proxies', () => {
    expect(matchSymbolUser(ENTRA, person(), [symbolUser('s-1', 'adele.vance+training@contoso.example')])).toEqual({ kind: 'none' });
    const withSip = person({ proxyAddresses: ['SIP:sip.only@contoso.example'] });
    expect(matchSymbolUser(ENTRA, withSip, [symbolUser('s-1', 'sip.only@contoso.example')])).toEqual({ kind: 'none' });
  });

  it('reports several candidates as a conflict, never a guess', () => {
    const users = [symbolUser('s-2', 'adele.vance@contoso.example'), symbolUser('s-1', 'adele@contoso.onmicrosoft.com')];
    expect(matchSymbolUser(ENTRA, person(), users)).toEqual({ kind: 'ambiguous', userIds: ['s-1', 's-2'] });
  });

  it('never takes over a user linked to another Entra user; the user already linked to this one wins', () => {
    expect(matchSymbolUser(ENTRA, person(), [symbolUser('s-1', 'adele.vance@contoso.example', { entraObjectId: 'someone-else' })])).toEqual({ kind: 'none' });
    const linked = symbolUser('s-9', 'renamed@contoso.example', { entraObjectId: ENTRA });
    expect(matchSymbolUser(ENTRA, person(), [symbolUser('s-1', 'adele.vance@contoso.example'), linked])).toEqual({ kind: 'linked', userId: 's-9' });
  });
});

describe('merge field ownership', () => {
  it('the directory owns the personal details and the e-mail; Symbol keeps id, source, status history and custom data', () => {
    const existing = symbolUser('s-1', 'adele.vance@contoso.example', { status: 'active' });
    const attributes = person({ jobTitle: 'Retail Director', department: 'Retail', officeLocation: '12/1110', city: 'Seattle', employeeId: 'E42', managerId: 'm-1' });
    const { user, changed } = followDirectory(existing, ENTRA, attributes, '2026-11-27T10:00:00.000Z');
    expect(user).toMatchObject({ id: 's-1', source: 'manual', createdAt: existing.createdAt, customFields: { trainingAssignments: '7' }, entraObjectId: ENTRA });
    expect(user).toMatchObject({ givenName: 'Adele', surname: 'Vance', displayName: 'Adele Vance', jobTitle: 'Retail Director', department: 'Retail', officeLocation: '12/1110', city: 'Seattle', employeeId: 'E42', managerEntraId: 'm-1' });
    expect(user.email).toBe('Adele.Vance@contoso.example');
    expect(changed.sort()).toEqual(['city', 'department', 'displayName', 'email', 'employeeId', 'entraObjectId', 'givenName', 'jobTitle', 'managerEntraId', 'officeLocation', 'surname'].sort());
    for (const field of DIRECTORY_OWNED_FIELDS) expect(field in user).toBe(true);
  });

  it('keeps the e-mail when the directory has no mailbox; nothing changes when nothing differs', () => {
    const existing = symbolUser('s-1', 'kept@contoso.example');
    const { user } = followDirectory(existing, ENTRA, person({ mail: null, proxyAddresses: [] }), '2026-11-27T10:00:00.000Z');
    expect(user.email).toBe('kept@contoso.example');
    const same = followDirectory(user, ENTRA, person({ mail: null, proxyAddresses: [] }), '2026-11-28T10:00:00.000Z');
    expect(same.changed).toEqual([]);
    expect(same.user).toBe(user);
  });

  it('a new Symbol user needs a mailbox and records who linked it', () => {
    expect(symbolUserFromDirectory({ id: 'x', companyId: 'acme', entraObjectId: ENTRA, attributes: person({ mail: null, proxyAddresses: [] }), nowIso: 'n', by: 'admin' })).toBeNull();
    const created = symbolUserFromDirectory({ id: 'x', companyId: 'acme', entraObjectId: ENTRA, attributes: person(), nowIso: '2026-11-27T10:00:00.000Z', by: 'admin-7' });
    expect(created).toMatchObject({ email: 'Adele.Vance@contoso.example', emailKey: 'adele.vance@contoso.example', source: 'entra', status: 'active', links: [{ entraObjectId: ENTRA, by: 'admin-7', merged: false }] });
  });
});
