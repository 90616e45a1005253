import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

/**
 * Driving the console in Debian's Chromium (never a downloaded browser): launch, screenshots for
 * review, accessibility checks with axe-core, and the one place that knows Microsoft's pages.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of every page, for review (git-ignored). */
export const SCREENSHOT_DIR = resolve(__dirname, '../../.local-browser/screenshots');

/** Generous limit for conditions the UI reaches after a sync or a webhook on a busy machine. */
export const SLOW = 60_000;

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH.`);
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Microsoft's pages between "Integrate Entra ID" and the way back (the local stand-in): the sign-in
 * page — pick the tenant's Global Administrator, Sign in — then the admin-consent page for that
 * tenant — Accept. Nowhere else in the tests knows these pages. `onEach` sees each page.
 */
export async function passMicrosoftPages(page: Page, tenantName: string, onEach: (step: 'sign-in' | 'consent') => Promise<void> = () => Promise.resolve()): Promise<void> {
  await page.getByRole('heading', { name: 'Pick an account' }).waitFor();
  await onEach('sign-in');
  await page.getByRole('radio', { name: new RegExp(`Global Administrator, ${tenantName}\\b`) }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
  await onEach('consent');
  await page.getByRole('radio', { name: new RegExp(`^\\s*${tenantName}\\b`) }).check();
  await page.getByRole('button', { name: 'Accept' }).click();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; html: string; failureSummary?: string }>;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page (WCAG 2.1 A/AA) and returns serious or critical violations. */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated over the DevTools protocol, so the console's CSP (scripts from its own origin only) stays on.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: unknown[] }> } }).axe;
    // Fluent UI's focus manager (tabster) adds invisible 1px focus sentinels around focus groups;
    // they are skipped by design and not content, so they are left out of the check.
    const result = await axe.run({ include: [['body']], exclude: [['[data-tabster-dummy]']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations;
  });
  return (violations as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact ?? '?'}): ${v.help}\n${v.nodes.slice(0, 4).map((n) => `  ${n.html.slice(0, 200)}\n    ${(n.failureSummary ?? '').replace(/\n/g, ' ')}`).join('\n')}`).join('\n');
}
