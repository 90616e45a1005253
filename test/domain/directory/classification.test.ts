import { addressesOf, autoApproves, classify, flagReasons, isExcluded, isRoleAddress, mailboxAddress } from '../../../src/domain/directory/classification';
import { DEFAULT_SETTINGS } from '../../../src/domain/integration-settings';
import { person } from './fixtures';

describe('classification flags', () => {
  it.each([
    ['a licensed member with a mailbox', person(), []],
    ['a guest', person({ userType: 'Guest', creationType: 'Invitation' }), ['guest']],
    ['a disabled account', person({ accountEnabled: false }), ['disabled']],
    ['an unlicensed account (typical shared mailbox)', person({ licensed: false }), ['unlicensed']],
    ['a shared mailbox', person({ mail: 'info@contoso.example', userPrincipalName: 'info@contoso.example', proxyAddresses: [], givenName: null, surname: null, displayName: 'Info', licensed: false, accountEnabled: false }), ['disabled', 'unlicensed', 'role_address', 'resource_mailbox']],
    ['a room', person({ mail: 'room-london-402@contoso.example', userPrincipalName: 'room-london-402@contoso.example', proxyAddresses: [], givenName: null, surname: null, displayName: 'London Boardroom 4.02', licensed: false, accountEnabled: false }), ['disabled', 'unlicensed', 'resource_mailbox']],
    ['a person who left (blocked, unlicensed, names kept)', person({ licensed: false, accountEnabled: false }), ['disabled', 'unlicensed']],
    ['a blocked, unlicensed guest without names is a guest, not a mailbox', person({ userType: 'Guest', givenName: null, surname: null, licensed: false, accountEnabled: false }), ['guest', 'disabled', 'unlicensed']],
    ['a blocked, unlicensed account without a mailbox is not a mailbox', person({ mail: null, proxyAddresses: [], userPrincipalName: 'svc-backup@contoso.example', givenName: null, surname: null, licensed: false, accountEnabled: false }), ['disabled', 'unlicensed', 'no_mailbox']],
    ['a role address in the UPN only', person({ mail: null, userPrincipalName: 'noreply@contoso.example', proxyAddresses: ['SMTP:noreply@contoso.example'] }), ['role_address']],
    ['no mailbox at all', person({ mail: null, proxyAddresses: [] }), ['no_mailbox']],
    ['mailbox only via primary SMTP proxy', person({ mail: null, proxyAddresses: ['SMTP:adele@contoso.example'] }), []],
  ])('%s', (_name, attributes, flags) => {
    expect(classify(attributes, DEFAULT_SETTINGS)).toEqual(flags);
  });

  it('says what gave each flag away', () => {
    const room = person({ mail: 'room-london-402@contoso.example', userPrincipalName: 'room-london-402@contoso.example', proxyAddresses: [], givenName: null, surname: null, displayName: 'London Boardroom 4.02', licensed: false, accountEnabled: false });
    const shared = { ...room, mail: 'sales@contoso.example', userPrincipalName: 'sales@contoso.example', displayName: 'Sales' };
    const reasons = (a: typeof room) => Object.fromEntries(flagReasons(a, classify(a, DEFAULT_SETTINGS), DEFAULT_SETTINGS).map((r) => [r.code, r.text]));
    expect(reasons(room).resource_mailbox).toMatch(/room or equipment mailbox.*its name says it is a room/);
    expect(reasons(shared).resource_mailbox).toMatch(/shared mailbox.*sign-in is blocked, no licence.*no first or last name/);
    expect(reasons(shared).role_address).toBe('The address sales@… matches the role-address pattern "sales": a team or function address rather than a person.');
    expect(reasons(person({ userType: 'Guest', creationType: 'Invitation' })).guest).toMatch(/invited from another organization/);
    expect(reasons(person({ mail: null, proxyAddresses: [] })).no_mailbox).toMatch(/cannot receive training/);
    expect(Object.keys(reasons(person()))).toEqual([]);
  });

  it('matches role patterns on the local part, case-insensitively, with * wildcards', () => {
    expect(isRoleAddress('Support@x.example', ['support'])).toBe(true);
    expect(isRoleAddress('supporter@x.example', ['support'])).toBe(false);
    expect(isRoleAddress('noreply-billing@x.example', ['noreply*'])).toBe(true);
    expect(isRoleAddress('hr.team@x.example', ['hr.team'])).toBe(true);
    expect(isRoleAddress('hrxteam@x.example', ['hr.team'])).toBe(false);
  });

  it('collects every address: mail, UPN, SMTP proxies (primary and secondary), otherMails; lower-cased, no duplicates, no x500', () => {
    const a = person({ proxyAddresses: ['SMTP:Adele.Vance@contoso.example', 'smtp:AV@contoso.example', 'X500:/o=Exchange'], otherMails: ['adele+news@home.example'] });
    expect(addressesOf(a).sort()).toEqual(['adele+news@home.example', 'adele.vance@contoso.example', 'av@contoso.example'].sort());
    expect(mailboxAddress(person({ mail: null, proxyAddresses: ['smtp:alias@x.example', 'SMTP:primary@x.example'] }))).toBe('primary@x.example');
  });

  it('excludes per settings, and auto-approves per settings (never a disabled account)', () => {
    const settings = { ...DEFAULT_SETTINGS, exclude: { ...DEFAULT_SETTINGS.exclude, guests: true } };
    expect(isExcluded(['guest'], settings)).toBe(true);
    expect(isExcluded(['unlicensed'], settings)).toBe(false);
    expect(isExcluded(['guest'], DEFAULT_SETTINGS)).toBe(false);
    const table: Array<[typeof DEFAULT_SETTINGS.autoApprove, string[], boolean, boolean]> = [
      ['off', [], true, false],
      ['clean', [], false, true],
      ['clean', ['unlicensed'], true, false],
      ['matched', ['unlicensed'], true, true],
      ['matched', [], false, false],
      ['clean_or_matched', ['guest'], true, true],
      ['clean_or_matched', ['guest'], false, false],
      ['clean_or_matched', ['disabled'], true, false],
      ['matched', ['unlicensed', 'resource_mailbox'], true, false],
    ];
    for (const [autoApprove, flags, matched, expected] of table) {
      expect(autoApproves(flags as never, matched, { autoApprove })).toBe(expected);
    }
  });
});
