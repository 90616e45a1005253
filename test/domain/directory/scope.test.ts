import { addressDomain, EVERYONE, groupClosure, ScopeSettingsSchema, scopeVerdict } from '../../../src/domain/directory/scope';

const SALES = '11111111-1111-4111-8111-111111111111';
const SALES_EMEA = '22222222-2222-4222-8222-222222222222';
const SALES_EMEA_NORDICS = '33333333-3333-4333-8333-333333333333';
const SUPPORT = '44444444-4444-4444-8444-444444444444';
const CUSTOMER_FACING = '55555555-5555-4555-8555-555555555555';

const ada = { mail: 'ada@contoso.com', userPrincipalName: 'ada@contoso.onmicrosoft.com' };
const nested = new Map<string, string[]>([
  [CUSTOMER_FACING, [SALES, SUPPORT]],
  [SALES, [SALES_EMEA]],
  [SALES_EMEA, [SALES_EMEA_NORDICS]],
  // A cycle (Graph forbids it, but the data must never hang us).
  [SALES_EMEA_NORDICS, [SALES]],
]);

describe('scope settings', () => {
  it('defaults to everyone, normalises domains and de-duplicates', () => {
    expect(ScopeSettingsSchema.parse({})).toEqual(EVERYONE);
    expect(ScopeSettingsSchema.parse({ groups: [SALES.toUpperCase(), SALES], domains: ['Contoso.COM ', 'contoso.com'] })).toEqual({ groups: [SALES], domains: ['contoso.com'] });
  });

  it.each([
    ['a group that is not an object id', { groups: ['sales'] }],
    ['a domain with a scheme', { domains: ['https://contoso.com'] }],
    ['an address instead of a domain', { domains: ['ada@contoso.com'] }],
    ['too many groups', { groups: Array.from({ length: 21 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`) }],
    ['an unknown field', { users: [] }],
  ])('refuses %s', (_name, value) => {
    expect(ScopeSettingsSchema.safeParse(value).success).toBe(false);
  });
});

describe('group closure (nested groups)', () => {
  it('includes the chosen groups and everything nested under them, naming the chosen group each counts for', () => {
    expect(Object.fromEntries(groupClosure([SALES], nested))).toEqual({ [SALES]: SALES, [SALES_EMEA]: SALES, [SALES_EMEA_NORDICS]: SALES });
    expect(Object.fromEntries(groupClosure([CUSTOMER_FACING], nested))).toEqual({ [CUSTOMER_FACING]: CUSTOMER_FACING, [SALES]: CUSTOMER_FACING, [SUPPORT]: CUSTOMER_FACING, [SALES_EMEA]: CUSTOMER_FACING, [SALES_EMEA_NORDICS]: CUSTOMER_FACING });
    expect(groupClosure([], nested).size).toBe(0);
  });
});

describe('scope verdict', () => {
  const closure = groupClosure([SALES], nested);

  it('no scope: everyone is in', () => {
    expect(scopeVerdict(ada, [], EVERYONE, new Map())).toEqual({ inScope: true, rule: 'everyone', group: null, domain: null });
  });

  it('groups: a direct member, a member of a nested group — in; anyone else — out', () => {
    const scope = ScopeSettingsSchema.parse({ groups: [SALES] });
    expect(scopeVerdict(ada, [SALES], scope, closure)).toMatchObject({ inScope: true, group: SALES });
    expect(scopeVerdict(ada, [SALES_EMEA_NORDICS], scope, closure)).toMatchObject({ inScope: true, group: SALES_EMEA_NORDICS });
    expect(scopeVerdict(ada, [SUPPORT], scope, closure)).toEqual({ inScope: false, rule: 'group', domain: 'contoso.com' });
    expect(scopeVerdict(ada, [], scope, closure)).toMatchObject({ inScope: false, rule: 'group' });
  });

  it('leaving and re-entering scope follows the memberships', () => {
    const scope = ScopeSettingsSchema.parse({ groups: [SALES] });
    const memberships: string[][] = [[SALES], [], [SALES_EMEA]];
    expect(memberships.map((m) => scopeVerdict(ada, m, scope, closure).inScope)).toEqual([true, false, true]);
  });

  it('domains: the mail address decides, else the UPN; case-insensitive', () => {
    const scope = ScopeSettingsSchema.parse({ domains: ['contoso.com'] });
    expect(scopeVerdict({ mail: 'Ada@CONTOSO.com', userPrincipalName: null }, [], scope, new Map())).toMatchObject({ inScope: true, domain: 'contoso.com' });
    expect(scopeVerdict({ mail: null, userPrincipalName: 'bob@contoso.com' }, [], scope, new Map())).toMatchObject({ inScope: true });
    expect(scopeVerdict({ mail: 'carol@fabrikam.com', userPrincipalName: 'carol@contoso.com' }, [], scope, new Map())).toEqual({ inScope: false, rule: 'domain', domain: 'fabrikam.com' });
    expect(scopeVerdict({ mail: null, userPrincipalName: null }, [], scope, new Map())).toEqual({ inScope: false, rule: 'domain', domain: null });
    // A subdomain is another domain.
    expect(scopeVerdict({ mail: 'dan@eu.contoso.com', userPrincipalName: null }, [], scope, new Map())).toMatchObject({ inScope: false, rule: 'domain' });
  });

  it('groups and domains: both must hold', () => {
    const scope = ScopeSettingsSchema.parse({ groups: [SALES], domains: ['contoso.com'] });
    expect(scopeVerdict(ada, [SALES], scope, closure).inScope).toBe(true);
    expect(scopeVerdict({ mail: 'eve@fabrikam.com', userPrincipalName: null }, [SALES], scope, closure)).toMatchObject({ inScope: false, rule: 'domain' });
    expect(scopeVerdict(ada, [SUPPORT], scope, closure)).toMatchObject({ inScope: false, rule: 'group' });
  });

  it('address domain', () => {
    expect(addressDomain({ mail: 'x@y.example', userPrincipalName: 'x@z.example' })).toBe('y.example');
    expect(addressDomain({ mail: null, userPrincipalName: 'no-at-sign' })).toBeNull();
  });
});
