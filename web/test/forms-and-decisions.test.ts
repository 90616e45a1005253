import { describe, expect, it } from 'vitest';
import type { Settings } from '../src/api/schemas';
import { decisionSummary, selectionState, toggle, toggleAll } from '../src/logic/decisions';
import { currentCursor, FIRST_PAGE, nextPage, pageNumber, previousPage } from '../src/logic/paging';
import { fieldErrors, toForm, toPatch } from '../src/logic/settings-form';

const SETTINGS: Settings = {
  autoApprove: 'off',
  exclude: { guests: false, disabled: true, unlicensed: false, roleAddresses: false },
  roleAddressPatterns: ['info', 'noreply*'],
  notifyEmails: ['a@acme.example'],
  deletionThresholdPercent: 20,
  deletionThresholdMinimum: 10,
  scope: { groups: ['6a0c1e2f-0000-4000-8000-000000000001'], domains: ['contoso.example'] },
  importOnConnect: false,
};

describe('settings form', () => {
  it('round-trips the settings through the form unchanged', () => {
    expect(toPatch(toForm(SETTINGS))).toEqual(SETTINGS);
  });

  it('turns lines into lists and numbers into numbers; leaves bad numbers for the API to name', () => {
    const form = { ...toForm(SETTINGS), notifyEmails: ' a@acme.example \n\n b@acme.example, c@acme.example ', deletionThresholdPercent: '12.5', deletionThresholdMinimum: 'ten' };
    expect(toPatch(form)).toMatchObject({ notifyEmails: ['a@acme.example', 'b@acme.example', 'c@acme.example'], deletionThresholdPercent: 12.5, deletionThresholdMinimum: 'ten' });
  });

  it('puts the API’s field errors at their fields, naming the line of a list item', () => {
    const form = { ...toForm(SETTINGS), notifyEmails: 'ok@acme.example\nnot-an-address' };
    expect(
      fieldErrors(
        [
          { field: 'notifyEmails.1', message: 'Invalid email address' },
          { field: 'deletionThresholdMinimum', message: 'Invalid input: expected number, received string' },
          { field: 'exclude.guests', message: 'Invalid input' },
          { field: 'colour', message: 'is not a known field' },
        ],
        form,
      ),
    ).toEqual({
      notifyEmails: '"not-an-address": Invalid email address',
      deletionThresholdMinimum: 'Invalid input: expected number, received string',
      exclude: 'guests: Invalid input',
      form: 'is not a known field',
    });
  });
});

describe('decisions and selection', () => {
  it('sums up approvals with merges, and each failure in words', () => {
    const names = new Map([['u1', 'Ada Lovelace']]);
    expect(decisionSummary('approve', { done: 3, merged: 1, failed: [] }, (id) => names.get(id) ?? id)).toEqual({ intent: 'success', title: 'Approved 3 users (1 merged with an existing user).', details: [] });
    expect(decisionSummary('restore', { done: 0, failed: [{ id: 'u1', code: 'not_denied' }] }, (id) => names.get(id) ?? id)).toEqual({
      intent: 'warning',
      title: 'Nobody was restored.',
      details: ['Ada Lovelace is not denied, so there is nothing to restore.'],
    });
  });

  it('selects one, all on the page, or none; and says which', () => {
    const page = ['a', 'b', 'c'];
    let selection = toggle(new Set<string>(), 'a');
    expect(selectionState(selection, page)).toBe('mixed');
    selection = toggleAll(selection, page);
    expect(selectionState(selection, page)).toBe(true);
    selection = toggleAll(new Set([...selection, 'elsewhere']), page);
    expect([...selection]).toEqual(['elsewhere']);
    expect(selectionState(selection, page)).toBe(false);
  });

  it('pages forward and back over opaque cursors', () => {
    let paging = nextPage(FIRST_PAGE, 'c2');
    paging = nextPage(paging, 'c3');
    expect([pageNumber(paging), currentCursor(paging)]).toEqual([3, 'c3']);
    expect(nextPage(paging, null)).toBe(paging);
    paging = previousPage(previousPage(paging));
    expect([pageNumber(paging), currentCursor(paging)]).toEqual([1, null]);
    expect(previousPage(paging)).toBe(paging);
  });
});
