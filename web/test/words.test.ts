import { describe, expect, it } from 'vitest';
import { consentResultMessage, decisionFailureText, flagLabel, plural, runErrorText, triggerLabel } from '../src/logic/words';

describe('consent result banner', () => {
  it('confirms a connection, and says whether the first import runs or waits for the admin', () => {
    expect(consentResultMessage('connected', null)).toMatchObject({ intent: 'success', title: 'Entra ID is connected', text: expect.stringMatching(/first import is running/) as unknown });
    expect(consentResultMessage('connected', null, 'waiting')).toMatchObject({ intent: 'success', title: 'Entra ID is connected', text: expect.stringMatching(/^Nothing is imported yet.*preview/) as unknown });
  });

  it.each([
    ['consent_declined', /cancelled on the Microsoft page/],
    ['consent_failed', /Microsoft reported an error/],
    ['invalid_state', /incomplete or altered/],
    ['expired_state', /15 minutes/],
    ['replayed_state', /works once/],
    ['not_an_admin', /Global Administrator or Privileged Role Administrator/],
    ['tenant_mismatch', /same directory you signed in to/],
    ['invalid_id_token', /failed verification/],
    ['sign_in_failed', /sign-in was cancelled or not accepted/],
    ['browser_mismatch', /another browser/],
    ['internal_error', /simply try again/],
  ])('explains %s in words', (code, text) => {
    const message = consentResultMessage('error', code);
    expect(message?.intent).toBe('error');
    expect(message?.text).toMatch(text);
  });

  it('still says something for a code it does not know, and nothing without a status', () => {
    expect(consentResultMessage('error', 'brand_new_code')?.text).toContain('brand_new_code');
    expect(consentResultMessage('error', null)?.title).toBe('Entra ID was not connected');
    expect(consentResultMessage(null, null)).toBeNull();
    expect(consentResultMessage('weird', 'x')).toBeNull();
  });
});

describe('codes in words', () => {
  it('labels flags, triggers, run errors and decision failures, passing unknown codes through', () => {
    expect(flagLabel('resource_mailbox')).toBe('Shared or room mailbox');
    expect(flagLabel('robot')).toBe('robot');
    expect(triggerLabel('webhook')).toBe('Directory change');
    expect(triggerLabel('connect')).toBe('First import');
    expect(runErrorText('consent_revoked')).toMatch(/Reconnect Entra ID/);
    expect(runErrorText('odd')).toBe('The run failed (odd).');
    expect(decisionFailureText('not_denied')).toBe('is not denied, so there is nothing to restore');
    expect(decisionFailureText('ambiguous_match')).toMatch(/several Symbol users/);
  });

  it('counts in words', () => {
    expect(plural(1, 'user')).toBe('1 user');
    expect(plural(1200, 'user')).toBe('1,200 users');
    expect(plural(2, 'company', 'companies')).toBe('2 companies');
  });
});
