import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Locator, Page } from 'playwright-core';
import { connectThroughConsent, localToken, startStackProcess, StackProcess, waitFor } from '../support/local-stack-process';
import { accessibilityViolations, Browser, describeViolations, launchBrowser, passMicrosoftPages, screenshot, SLOW } from './console-browser';

/**
 * The admin console in Chromium against the whole local stack (`npm start`'s entry point): the
 * seed's flow as a company admin — sign in, integrate, the banner, the pending list with its flags,
 * approve (one merging with a hand-added user), deny a shared mailbox and restore it, Sync Now
 * followed live, a directory change arriving by webhook, settings with a validation error first,
 * deactivations held and released, the merge undone from the user's page, the audit trail with
 * its filters — then the MSP view with two connected companies; then foresight, as an MSP for a
 * new company: the first import held back, a group picked for the scope, the unsaved change
 * previewed (who would be pending, who excluded and why), applied, imported; the Excluded tab with
 * its reasons, the preview in the run history, a plain preview, and the scope's state when the
 * tenant cannot read groups. Every wait is on a condition; screenshots of each page land in
 * .local-browser/screenshots/.
 */

interface SimUser {
  id: string;
  kind: string;
  mail: string | null;
  displayName: string;
}

describe('the admin console in a browser', () => {
  let dataDir: string;
  let stack: StackProcess;
  let browser: Browser | undefined;
  let page: Page;
  let token: string;
  let tenantId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'console-browser-'));
    stack = await startStackProcess({ dataDir, args: ['--users', '120'], env: { WEBHOOK_COALESCE_SECONDS: '1' } });
    token = await localToken(dataDir, ['--companies', 'acme,globex', '--email', 'checker@acme.example']);
    const tenants = (await (await fetch(`${stack.url}/_local/entra/tenants`)).json()) as Array<{ id: string; name: string }>;
    tenantId = tenants.find((t) => t.name === 'Contoso')?.id ?? '';
    browser = await launchBrowser();
    page = browser.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${stack.url}/api/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    return (await response.json()) as T;
  };
  const simUsers = async () => ((await (await fetch(`${stack.url}/_local/entra/tenants/${tenantId}/users?limit=1000`)).json()) as { users: SimUser[] }).users;

  async function expectAccessible(name: string): Promise<void> {
    const violations = await accessibilityViolations(page);
    if (violations.length > 0) throw new Error(`${name}: accessibility violations\n${describeViolations(violations)}`);
  }

  const nav = (name: RegExp) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name });
  const heading = (name: string) => page.getByRole('heading', { level: 1, name, exact: true });

  it('a company admin connects Entra ID and runs the whole review story', async () => {
    // Sign in, by keyboard: the picker's people are buttons in the tab order.
    await page.goto(`${stack.url}/`);
    await heading('Sign in to Entra ID sync').waitFor();
    await screenshot(page, '01-sign-in');
    await expectAccessible('sign-in');
    await page.getByRole('button', { name: /Alex Morgan · Company admin/ }).waitFor();
    const focused = async () => ((await page.locator(':focus').count()) > 0 ? ((await page.locator(':focus').textContent()) ?? '') : '');
    for (let i = 0; i < 10 && !(await focused()).includes('Alex Morgan'); i++) await page.keyboard.press('Tab');
    expect(await focused()).toContain('Alex Morgan');
    await page.keyboard.press('Enter');

    // A company admin lands on their company's Entra ID page, not connected yet.
    await heading('Entra ID').waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/companies/acme/settings/entra');
    await page.getByRole('region', { name: 'Connection' }).getByText('Not connected', { exact: true }).waitFor();
    await screenshot(page, '02-entra-not-connected');
    await expectAccessible('entra');

    // Integrate → Microsoft's pages → back with the confirmation banner.
    await page.getByRole('button', { name: 'Integrate Entra ID' }).click();
    await page.waitForURL(/\/_local\/login\//);
    await passMicrosoftPages(page, 'Contoso', (step) => screenshot(page, step === 'sign-in' ? '03-microsoft-sign-in' : '03-microsoft-consent'));
    await page.waitForURL(/\/console\/companies\/acme\/settings\/entra\?status=connected/);
    await page.getByRole('status').getByText('Entra ID is connected').waitFor();
    await page.getByRole('region', { name: 'Connection' }).getByText('Connected', { exact: true }).waitFor();
    await screenshot(page, '04-connected-banner');
    await expectAccessible('entra connected');

    // The first import, followed live on the Sync page until it finishes.
    await nav(/^Sync$/).click();
    await heading('Sync').waitFor();
    await page.getByRole('region', { name: 'Sync progress' }).getByText(/^Finished:/).waitFor({ timeout: SLOW });

    // Before approving, a user added by hand with a directory person's address: the list shows the merge.
    const people = (await simUsers()).filter((u) => u.kind === 'person' && u.mail);
    const merger = people[0];
    if (!merger?.mail) throw new Error('no person in the directory');
    await api('companies/acme/users', { method: 'POST', body: JSON.stringify({ email: merger.mail, givenName: 'Hand', surname: 'Added', customFields: { course: 'Phishing 101' } }) });

    // The pending list: flags with their reasons in words, filtered by flag.
    await nav(/^Pending approval/).click();
    await heading('Pending for approval').waitFor();
    const table = page.getByRole('table', { name: 'Pending users' });
    await table.waitFor();
    await page.getByLabel('Flag', { exact: true }).selectOption('resource_mailbox');
    await table.getByText('Shared or room mailbox').first().waitFor();
    await table.getByText(/A shared mailbox: it has a mailbox but sign-in is blocked/).first().waitFor();
    await table.getByText(/A room or equipment mailbox/).first().waitFor();
    await screenshot(page, '05-pending-resource-mailboxes');
    await expectAccessible('pending');

    // Deny a shared mailbox.
    const sharedRow = table.getByRole('row').filter({ hasText: 'A shared mailbox:' }).first();
    const nameOf = async (row: Locator) => ((await row.getByRole('checkbox').getAttribute('aria-label')) ?? '').replace(/^Select /, '');
    const sharedName = await nameOf(sharedRow);
    expect(sharedName).not.toBe('');
    // By keyboard: Space selects the row, the bulk bar's Deny takes Enter.
    await sharedRow.getByRole('checkbox').focus();
    await page.keyboard.press('Space');
    await page.getByRole('toolbar', { name: 'Selected users' }).getByText('1 user selected').waitFor();
    await page.getByRole('toolbar', { name: 'Selected users' }).getByRole('button', { name: 'Deny' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('Denied 1 user.').waitFor();

    // Approve some: the hand-added user's match is shown first, then two people without flags.
    await page.getByLabel('Flag', { exact: true }).selectOption('');
    await page.getByRole('searchbox', { name: 'Search by name or e-mail' }).fill(merger.mail);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const mergerRow = table.getByRole('row').filter({ hasText: merger.displayName });
    await mergerRow.getByText(/Merges/).waitFor();
    await mergerRow.getByText(merger.mail).first().waitFor();
    await screenshot(page, '06-pending-merge-shown');
    await mergerRow.getByRole('checkbox').check();
    await page.getByRole('searchbox', { name: 'Search by name or e-mail' }).fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await table.getByRole('row').nth(3).waitFor();
    const clean = table.getByRole('row').filter({ hasNot: page.locator('ul') }).filter({ has: page.getByRole('checkbox', { checked: false }) });
    const approvedNames: string[] = [merger.displayName];
    for (let i = 0; i < 2; i++) {
      const row = clean.nth(1);
      approvedNames.push(await nameOf(row));
      await row.getByRole('checkbox').check();
    }
    await page.getByRole('toolbar', { name: 'Selected users' }).getByText('3 users selected').waitFor();
    await page.getByRole('toolbar', { name: 'Selected users' }).getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').getByText('Approved 3 users (1 merged with an existing user).').waitFor();
    await screenshot(page, '07-pending-approved');

    // The denied tab, and restoring the shared mailbox.
    await page.getByRole('tab', { name: 'Denied' }).click();
    const denied = page.getByRole('table', { name: 'Denied users' });
    await denied.getByText(sharedName, { exact: true }).waitFor();
    await screenshot(page, '08-denied-tab');
    await denied.getByRole('row').filter({ hasText: sharedName }).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Restore to pending' }).click();
    await page.getByRole('status').getByText('Restored 1 user.').waitFor();
    await page.getByText('Nobody has been denied.').waitFor();

    // Users: the merge is visible in the list and on the user's page.
    await nav(/^Users$/).click();
    const users = page.getByRole('table', { name: 'Active users' });
    await users.getByText('Linked (merged)').waitFor();
    await screenshot(page, '09-users');
    await expectAccessible('users');
    await users.getByRole('row').filter({ hasText: 'Linked (merged)' }).getByRole('link').click();
    const firstName = page.getByRole('table', { name: 'Fields the merge changed' }).getByRole('row').filter({ hasText: 'First name' });
    await firstName.getByRole('cell', { name: 'Hand', exact: true }).waitFor();
    await firstName.getByRole('cell', { name: merger.displayName.split(' ')[0], exact: true }).waitFor();
    await screenshot(page, '10-user-merge');

    // Undo the merge, after a confirmation: the hand-added user is back, the directory user waits again.
    await page.getByRole('button', { name: 'Undo merge' }).click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText(/goes back to Pending approval/).waitFor();
    await screenshot(page, '10b-user-undo-confirm');
    await confirm.getByRole('button', { name: 'Undo merge' }).click();
    await page.getByRole('status').getByText('The merge was undone').waitFor();
    await heading('Hand Added').waitFor();
    await page.getByText('Not linked to Entra ID').waitFor();
    await page.getByText(/^Not merged\./).waitFor();
    await screenshot(page, '10c-user-merge-undone');
    await expectAccessible('user merge undone');
    const waiting = await api<{ items: Array<{ id: string }> }>('companies/acme/pending-users/search', { method: 'POST', body: JSON.stringify({ search: merger.mail }) });
    expect(waiting.items.map((p) => p.id)).toEqual([merger.id]);

    // Sync Now, followed live until it finishes; the run's details.
    // Microsoft asks the run to wait a few seconds (429 + Retry-After): it is visibly running meanwhile.
    await nav(/^Sync$/).click();
    await page.getByRole('region', { name: 'Sync progress' }).getByText(/^Finished:/).waitFor();
    await fetch(`${stack.url}/_local/entra/tenants/${tenantId}/throttle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 1, retryAfterSeconds: 3 }) });
    await page.getByRole('button', { name: 'Sync now' }).click();
    const progress = page.getByRole('region', { name: 'Sync progress' });
    await progress.getByRole('heading', { name: 'Sync in progress' }).waitFor();
    await progress.getByRole('progressbar', { name: 'Sync running' }).waitFor();
    await progress.getByText(/^Read so far: /).waitFor();
    await screenshot(page, '11-sync-running');
    await progress.getByText(/^Finished:/).waitFor({ timeout: SLOW });
    await progress.getByText('Sync Now', { exact: false }).waitFor();
    await screenshot(page, '12-sync-finished');
    await expectAccessible('sync');
    await progress.getByRole('link', { name: 'Details' }).click();
    await page.getByRole('table', { name: 'Run counts' }).waitFor();
    await screenshot(page, '13-run-details');

    // A change in the directory arrives by webhook (no Sync Now): a new person is waiting.
    await fetch(`${stack.url}/_local/entra/tenants/${tenantId}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ givenName: 'Ada', surname: 'Lovelace', department: 'R&D' }) });
    await waitFor(async () => {
      const found = await api<{ items: unknown[] }>('companies/acme/pending-users/search', { method: 'POST', body: JSON.stringify({ search: 'Ada Lovelace' }) });
      return found.items.length > 0 ? true : undefined;
    }, 'the webhook sync', SLOW);
    await nav(/^Pending approval/).click();
    await page.getByRole('searchbox', { name: 'Search by name or e-mail' }).fill('Ada');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('table', { name: 'Pending users' }).getByText('Ada Lovelace').waitFor();
    await screenshot(page, '14-webhook-new-user');
    await nav(/^Sync$/).click();
    await page.getByRole('table', { name: 'Sync runs' }).getByText('Directory change').first().waitFor();

    // Settings: a validation error from the API first, shown at its field; then saved.
    await nav(/^Settings$/).click();
    await page.getByRole('form', { name: 'Sync settings' }).waitFor();
    await expectAccessible('settings');
    const recipients = page.getByRole('textbox', { name: /Who gets integration e-mails/ });
    await recipients.fill('security-team@acme.example\nnot-an-address');
    await page.getByRole('textbox', { name: /at least this many/ }).fill('1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('alert').getByText('Some settings need fixing').waitFor();
    await page.getByText(/"not-an-address": /).waitFor();
    await screenshot(page, '15-settings-validation-error');
    await recipients.fill('security-team@acme.example');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings saved').waitFor();
    await screenshot(page, '16-settings-saved');

    // Two of the three approved users leave the directory: the deletion guard holds them.
    const symbolUsers = await api<{ items: Array<{ entraObjectId: string | null }> }>('companies/acme/users?status=active');
    const leaving = symbolUsers.items.map((u) => u.entraObjectId).filter((id): id is string => id !== null).slice(0, 2);
    expect(leaving).toHaveLength(2);
    for (const id of leaving) await fetch(`${stack.url}/_local/entra/tenants/${tenantId}/users/${id}`, { method: 'DELETE' });
    await waitFor(async () => ((await api<{ counts: { held: number } }>('companies/acme/entra')).counts.held === 2 ? true : undefined), 'the held deactivations', SLOW);
    await nav(/^Held deactivations/).click();
    const held = page.getByRole('table', { name: 'Held deactivations' });
    await held.getByText('Deleted from Entra ID for good.').first().waitFor();
    expect(await held.getByRole('row').count()).toBe(3);
    await screenshot(page, '17-held');
    await expectAccessible('held');
    await page.getByRole('button', { name: 'Release deactivations' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Release' }).click();
    await page.getByText('Nothing is held: every deactivation the directory asked for has been applied.').waitFor({ timeout: SLOW });
    await screenshot(page, '18-held-released');
    const inactive = await api<{ items: unknown[] }>('companies/acme/users?status=inactive');
    expect(inactive.items).toHaveLength(2);

    // The audit trail: every decision above in words, newest first; filtered by who and by what.
    await nav(/^Audit trail$/).click();
    await heading('Audit trail').waitFor();
    const trail = page.getByRole('table', { name: 'Audit entries' });
    await trail.getByText(/^Released 2 held deactivations$/).waitFor({ timeout: SLOW });
    await trail.getByText(/^Undid the merge of Hand Added/).waitFor();
    await trail.getByText(`First name: ${merger.displayName.split(' ')[0] ?? ''} → Hand`).waitFor();
    await trail.getByText(/^Merged .* with its directory user$/).waitFor();
    await trail.getByText(`Denied ${sharedName}`).waitFor();
    await trail.getByText('Changed the settings').waitFor();
    await trail.getByText('Who gets integration e-mails: none → security-team@acme.example').waitFor();
    await trail.getByText('Connected Entra ID').waitFor();
    expect(await trail.getByRole('row').filter({ hasText: 'admin@acme.example' }).count()).toBeGreaterThan(5);
    await screenshot(page, '19-audit-trail');
    await expectAccessible('audit trail');
    await page.getByLabel('Who', { exact: true }).selectOption('sync');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await trail.getByRole('row').filter({ hasText: 'admin@acme.example' }).first().waitFor({ state: 'detached' });
    const bySync = trail.getByRole('row').filter({ hasText: 'Entra ID sync' });
    expect(await bySync.count()).toBe(2);
    await bySync.first().getByText('Held by the safety threshold, then released by an admin').waitFor();
    await page.getByLabel('Who', { exact: true }).selectOption('anyone');
    await page.getByLabel('What', { exact: true }).selectOption('merge_undo');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await trail.getByRole('row').filter({ hasText: 'Entra ID sync' }).first().waitFor({ state: 'detached' });
    expect(await trail.getByRole('row').count()).toBe(2);
    await screenshot(page, '20-audit-filtered');
  }, 300_000);

  it('an MSP sees all its companies, connects a second one, and both show status, last sync and counts', async () => {
    // acme was connected by the company admin above; connect it here if that story stopped early.
    if ((await api<{ status: string }>('companies/acme/entra')).status !== 'connected') await connectThroughConsent(stack.url, token, 'acme');
    await page.goto(`${stack.url}/console/signin`);
    await heading('Sign in to Entra ID sync').waitFor();
    await page.getByRole('button', { name: /Sam Rivera · MSP admin/ }).click();
    await heading('Your companies').waitFor();
    const companies = page.getByRole('table', { name: 'Companies' });
    await companies.getByRole('row').filter({ hasText: 'globex' }).getByText('Not connected').waitFor();

    await companies.getByRole('link', { name: 'globex' }).click();
    await page.getByRole('button', { name: 'Integrate Entra ID' }).click();
    await page.waitForURL(/\/_local\/login\//);
    await passMicrosoftPages(page, 'Fabrikam');
    await page.getByRole('status').getByText('Entra ID is connected').waitFor();
    await nav(/^Sync$/).click();
    await page.getByRole('region', { name: 'Sync progress' }).getByText(/^Finished:/).waitFor({ timeout: SLOW });

    await nav(/^All companies$/).click();
    for (const company of ['acme', 'globex']) {
      const row = companies.getByRole('row').filter({ has: page.getByRole('link', { name: company, exact: true }) });
      await row.getByText('Connected', { exact: true }).waitFor();
      await row.getByText(/ago|just now/).waitFor();
    }
    const globex = companies.getByRole('row').filter({ has: page.getByRole('link', { name: 'globex', exact: true }) });
    expect(Number(await globex.getByRole('cell').nth(3).textContent())).toBeGreaterThan(0);
    await companies.getByRole('row').filter({ hasText: 'initech' }).getByText('Not connected').waitFor();
    await screenshot(page, '21-msp-companies');
    await expectAccessible('companies');

    // A platform operator sees every company with an integration record.
    await page.goto(`${stack.url}/console/signin`);
    await page.getByRole('button', { name: /Olivia Chen · Platform operator/ }).click();
    await heading('All companies').waitFor();
    for (const company of ['acme', 'globex']) await companies.getByRole('link', { name: company, exact: true }).waitFor();
  }, 180_000);

  it('an MSP scopes a new company to a group: previews the change before the first import, sees who is excluded and why, applies it, imports', async () => {
    const initech = await localToken(dataDir, ['--companies', 'initech', '--email', 'checker@initech.example']);
    const companyApi = async <T>(path: string): Promise<T> => (await (await fetch(`${stack.url}/api/companies/initech/${path}`, { headers: { authorization: `Bearer ${initech}` } })).json()) as T;
    const simPost = (path: string) => fetch(`${stack.url}/_local/entra/tenants/${tenantId}/${path}`, { method: 'POST' });
    await page.goto(`${stack.url}/console/signin`);
    await page.getByRole('button', { name: /Sam Rivera · MSP admin/ }).click();
    await page.getByRole('table', { name: 'Companies' }).getByRole('link', { name: 'initech', exact: true }).click();
    await heading('Entra ID').waitFor();

    // Before connecting: groups cannot be chosen yet, and the first import is told to wait for an admin.
    await nav(/^Settings$/).click();
    await heading('Settings').waitFor();
    await page.getByRole('region', { name: 'Who is synced (scope)' }).getByText('Connect Entra ID to choose groups from its directory.').waitFor();
    expect(await page.getByRole('button', { name: 'Preview these changes' }).isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: 'Start the first import as soon as Entra ID is connected' }).uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings saved').waitFor();

    // Connected, nothing imported: the Entra ID page says so and offers a preview and the first import.
    await nav(/^Entra ID$/).click();
    await page.getByRole('button', { name: 'Integrate Entra ID' }).click();
    await page.waitForURL(/\/_local\/login\//);
    await passMicrosoftPages(page, 'Contoso');
    await page.getByRole('status').getByText('Nothing is imported yet, as the settings ask').waitFor();
    const waiting = page.getByRole('region', { name: 'Nothing imported yet' });
    await waiting.getByRole('button', { name: 'Start the first import' }).waitFor();
    await waiting.getByRole('button', { name: 'Preview', exact: true }).waitFor();
    await screenshot(page, '22-entra-first-import-waits');
    await expectAccessible('entra, first import waiting');
    expect((await companyApi<{ lastSync: unknown }>('entra')).lastSync).toBeNull();

    // Preview the first import as the settings stand: everyone in the directory would wait for approval.
    const directory = await simUsers();
    await waiting.getByRole('button', { name: 'Preview', exact: true }).click();
    await heading('Preview of the first import').waitFor();
    await page.getByRole('tab', { name: `New pending (${String(directory.length)})`, exact: true }).waitFor({ timeout: SLOW });
    await page.getByRole('tab', { name: 'Excluded (0)', exact: true }).waitFor();

    // The directory: the pilot group's members (still in the tenant) are who the scope keeps.
    const groups = (await (await fetch(`${stack.url}/_local/entra/tenants/${tenantId}/groups`)).json()) as Array<{ id: string; displayName: string; memberIds: string[] }>;
    const pilot = groups.find((g) => g.displayName === 'Security Awareness Pilot');
    const members = (pilot?.memberIds ?? []).filter((id) => directory.some((u) => u.id === id)).sort();
    expect(members.length).toBeGreaterThan(0);
    const outside = directory.length - members.length;

    // Scope: search the directory's groups, pick the pilot group; it shows as a chip with its name.
    await nav(/^Settings$/).click();
    await heading('Settings').waitFor();
    const groupSearch = page.getByRole('combobox', { name: 'Members of these groups' });
    await groupSearch.click();
    await groupSearch.fill('Security');
    await page.getByRole('option', { name: /Security Awareness Pilot/ }).click();
    await page.getByRole('listbox', { name: 'Chosen groups' }).getByText('Security Awareness Pilot').waitFor();
    await page.getByRole('status', { name: 'Scope state' }).getByText('Your changes below are not saved yet.', { exact: false }).waitFor();
    await screenshot(page, '23-settings-scope-group');
    await expectAccessible('settings with a scope');

    // Preview the unsaved change: followed until it has read the directory, then what the import would do.
    await page.getByRole('button', { name: 'Preview these changes' }).click();
    await heading('Preview of a settings change').waitFor();
    await page.getByRole('list', { name: 'Proposed changes' }).getByText('Scope: members of the groups: everyone → Security Awareness Pilot').waitFor({ timeout: SLOW });
    await page.getByRole('tab', { name: `New pending (${String(members.length)})`, exact: true }).waitFor();
    await page.getByRole('tab', { name: `Excluded (${String(outside)})`, exact: true }).click();
    const excludedPreview = page.getByRole('table', { name: 'Excluded users' });
    const first = excludedPreview.getByRole('row').nth(1);
    await first.getByText('Outside the scope’s groups').waitFor();
    await first.getByRole('button', { name: 'Why?' }).click();
    await first.getByText(/^Out of scope: not a member of the scope's groups \(Security Awareness Pilot\)/).waitFor();
    await screenshot(page, '24-preview-excluded-reasons');
    await expectAccessible('preview');
    // A preview changes nothing: no entries, the settings as they were, no import.
    expect((await companyApi<{ items: unknown[] }>('pending-users?status=excluded')).items).toEqual([]);
    expect(await companyApi<{ lastSync: unknown; settings: { scope: unknown } }>('entra')).toMatchObject({ lastSync: null, settings: { scope: { groups: [], domains: [] } } });

    // Apply the previewed settings, then start the first import from the preview, followed live.
    await page.getByRole('button', { name: 'Apply these settings' }).click();
    await page.getByRole('status').getByText('Settings applied').waitFor();
    // Another tab knows no group names, and no sync has read the group yet (the status names
    // none): the settings look the chosen group up by its id.
    const scopeNow = await companyApi<{ scope: { groups: Array<{ id: string; displayName: string | null }> } }>('entra');
    expect(scopeNow.scope.groups).toEqual([{ id: pilot?.id.toLowerCase(), displayName: null }]);
    // (A large directory: the picker's first 25 groups by name no longer include the pilot group.)
    for (let i = 1; i <= 25; i++) {
      const created = await fetch(`${stack.url}/_local/entra/tenants/${tenantId}/groups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: `Aa Team ${String(i).padStart(2, '0')}` }),
      });
      expect(created.ok).toBe(true);
    }
    await page.evaluate(() => {
      (globalThis as unknown as { sessionStorage: { removeItem: (key: string) => void } }).sessionStorage.removeItem('symbol-console-group-names');
    });
    await nav(/^Settings$/).click();
    await heading('Settings').waitFor();
    await page.getByRole('listbox', { name: 'Chosen groups' }).getByText('Security Awareness Pilot').waitFor();
    await nav(/^Sync$/).click();
    await page.getByRole('table', { name: 'Sync runs' }).getByRole('row').filter({ hasText: 'of a settings change' }).getByRole('link').click();
    await heading('Preview of a settings change').waitFor();
    await page.getByRole('button', { name: 'Start the first import' }).click();
    await page.getByRole('region', { name: 'Sync progress' }).getByText(/^Finished:/).waitFor({ timeout: SLOW });
    await screenshot(page, '25-preview-applied-imported');

    // The review list: the group's members wait; the Excluded tab says why everyone else does not.
    await page.getByRole('link', { name: 'review the pending users' }).click();
    await heading('Pending for approval').waitFor();
    await page.getByRole('tab', { name: `Pending (${String(members.length)})`, exact: true }).waitFor();
    await page.getByRole('tab', { name: `Excluded (${String(outside)})`, exact: true }).click();
    const excluded = page.getByRole('table', { name: 'Excluded users' });
    await excluded.getByRole('group', { name: /^Why .+ is here$/ }).first().getByText('Outside the scope’s groups').waitFor();
    await page.getByRole('switch', { name: 'Show every reason in full' }).check();
    await excluded.getByText(/^Out of scope: not a member of the scope's groups \(Security Awareness Pilot\)/).first().waitFor();
    await screenshot(page, '26-review-excluded');
    await expectAccessible('review list, excluded');
    const pendingNow = await companyApi<{ items: Array<{ id: string }> }>('pending-users?status=pending&limit=500');
    expect(pendingNow.items.map((u) => u.id).sort()).toEqual(members);

    // The run history marks the preview, and leads back to it: its settings are the company's now.
    await nav(/^Sync$/).click();
    const previewRow = page.getByRole('table', { name: 'Sync runs' }).getByRole('row').filter({ hasText: 'of a settings change' });
    await previewRow.getByText(`Would be ${String(members.length)} new, ${String(outside)} excluded`).waitFor();
    await screenshot(page, '27-sync-history-with-preview');
    await previewRow.getByRole('link').click();
    await heading('Preview of a settings change').waitFor();
    await page.getByText('The preview’s settings are the company’s settings now: nothing to apply.').waitFor();

    // A preview of a sync with the company's settings, from the Sync page: after the import, nothing new.
    await nav(/^Sync$/).click();
    await page.getByRole('button', { name: 'Preview a sync' }).click();
    await heading('Preview of a sync').waitFor();
    await page.getByText('Judged with the company’s settings').waitFor({ timeout: SLOW });
    await page.getByRole('tab', { name: 'New pending (0)', exact: true }).waitFor();
    await page.getByRole('tab', { name: `Excluded (${String(outside)})`, exact: true }).waitFor();

    // The settings say the scope is in effect, the group by its name.
    await nav(/^Settings$/).click();
    await page.getByRole('status', { name: 'Scope state' }).getByText('Scope in effect').waitFor();
    await page.getByRole('listbox', { name: 'Chosen groups' }).getByText('Security Awareness Pilot').waitFor();

    // The tenant's consent loses GroupMember.Read.All: the next sync cannot read the group, and the console says what to do.
    await simPost('revoke-group-permission');
    try {
      await nav(/^Sync$/).click();
      await page.getByRole('button', { name: 'Sync now' }).click();
      await waitFor(async () => ((await companyApi<{ scope: { state: string } }>('entra')).scope.state === 'groups_unreadable' ? true : undefined), 'the scope to be unreadable', SLOW);
      await nav(/^Settings$/).click();
      await page.getByRole('status', { name: 'Scope state' }).getByText('Group memberships cannot be read').waitFor();
      await page.getByRole('region', { name: 'Who is synced (scope)' }).getByRole('alert').getByText(/GroupMember\.Read\.All.*Reconnect/).waitFor();
      await screenshot(page, '28-settings-groups-unreadable');
      await nav(/^Entra ID$/).click();
      await heading('Entra ID').waitFor();
      await page.getByText('The tenant’s consent does not include GroupMember.Read.All').waitFor();
    } finally {
      await simPost('grant-group-permission');
    }
  }, 240_000);
});
