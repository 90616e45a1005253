import { addressesOf, autoApproves, classify, isExcluded, isRoleAddress, mailboxAddress } from '../../../src/domain/directory/classification';
import { DEFAULT_SETTINGS } from '../../../src/domain/integration-settings';
import { person } from './fixtures';

describe('classification flags', () => {
  it.each([
    ['a licensed member with a mailbox', person(), []],
    ['a guest', person({ userType: 'Guest', creationType: 'Invitation' }), ['guest']],
    ['a disabled account', person({ accountEnabled: false }), ['disabled']],
    ['an unlicensed account (typical shared mailbox)', person({ licensed: false }), ['unlicensed']],
    ['a shared mailbox', person({ mail: 'info@contoso.example', userPrincipalName: 'info@contoso.example', proxyAddresses: [], licensed: false, accountEnabled: false }), ['disabled', 'unlicensed', 'role_address']],
    ['a role address in the UPN only', person({ mail: null, userPrincipalName: 'noreply@contoso.example', proxyAddresses: ['SMTP:noreply@contoso.example'] }), ['role_address']],
    ['no mailbox at all', person({ mail: null, proxyAddresses: [] }), ['no_mailbox']],
    ['mailbox only via primary SMTP proxy', person({ mail: null, proxyAddresses: ['SMTP:adele@contoso.example'] }), []],
  ])('%s', (_name, attributes, flags) => {
    expect(classify(attributes, DEFAULT_SETTINGS)).toEqual(flags);
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
    ];
    for (const [autoApprove, flags, matched, expected] of table) {
      expect(autoApproves(flags as never, matched, { autoApprove })).toBe(expected);
    }
  });
});
