/**
 * The explorer's Approvals and Events tabs in a real browser (Debian's chromium driven by
 * playwright-core, as explorer.test.ts), against a real node with a local spend policy and scoped
 * admin keys (issue 22):
 * - a send above approvalAbove appears in the Approvals tab with its amount in the agent's asset,
 *   its age and expiry; the agent's own key (send + read) is refused; the approver's key approves
 *   it: the payment is made and the row leaves; a denied one leaves and its budget is released;
 * - with explorer.allowApprove off the tab lists what waits but shows no buttons;
 * - the Events tab filters by type family: approval:*, policy:*, packet:*.
 *
 * Skipped only when /usr/bin/chromium is missing outside CI (scripts/test.sh installs it; in CI it must run).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { Harness, waitFor } from '../helpers/node.js';
import { AGENT, OPERATOR, acceptAll, call } from '../agents/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI;
const SHOTS = join(process.cwd(), 'tmp');
/** Generous: CI runs this on a loaded machine. */
const WAIT = 30_000;

const APPROVER = 'approver-key-0123456789';
const adminApi = {
  apiKey: OPERATOR,
  keys: [
    { name: 'agent', key: AGENT, scopes: ['send', 'read'] },
    { name: 'approver', key: APPROVER, scopes: ['approve', 'read'] },
  ],
};
const policies = { local: { maxPerPayment: '800', budgets: [{ amount: '1000', per: 'day' }], approvalAbove: '100' } };

const h = new Harness();
let context: BrowserContext | undefined;
let profile = '';

beforeAll(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'ar-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
}, 120_000);
afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
}, 60_000);
afterEach(() => h.cleanup(), 60_000);

async function start(explorer: Record<string, unknown>): Promise<{ node: ConnectorNode; admin: string; seen: NodeEvent[] }> {
  const node = h.node({ nodeId: 'alice', adminApi, policies, explorer: { enabled: true, port: 0, ...explorer } } as never);
  acceptAll(node);
  await node.start();
  const seen: NodeEvent[] = [];
  h.onCleanup(node.events.subscribe((b) => seen.push(...b)));
  return { node, admin: node.endpoints.admin!, seen };
}

/** A local send by the agent's key: above approvalAbove it waits (202) and gives its approval id. */
async function waiting(admin: string, amount: string): Promise<string> {
  const r = await call(admin, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.alice.shop', amount, data: Buffer.from('a pear').toString('base64') });
  expect(r.status).toBe(202);
  return r.body.approvalId as string;
}

/** Opens the explorer and fails the test on any page error, console error or request to another origin. */
async function open(base: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context!.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // a refused decision is an expected 4xx the browser logs as a failed resource load
    if (msg.type() === 'error' && !/status of 40[13]/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(base) && !req.url().startsWith('data:')) problems.push(`foreign request: ${req.url()}`);
  });
  await page.goto(base + '/');
  await page.locator('#live.on').waitFor({ timeout: WAIT });
  return { page, problems };
}

async function texts(loc: Locator): Promise<string[]> {
  return (await loc.allTextContents()).map((t) => t.trim());
}

async function containsText(loc: Locator, expected: string): Promise<void> {
  await waitFor(async () => (await texts(loc)).some((t) => t.includes(expected)), WAIT, `${loc.toString()} to contain ${JSON.stringify(expected)}; has ${JSON.stringify(await texts(loc))}`);
}

async function hasCount(loc: Locator, n: number): Promise<void> {
  await waitFor(async () => (await loc.count()) === n, WAIT, `${loc.toString()} to match ${n} elements`);
}

/** The types of the Events tab's rows, top (newest) first. */
async function eventTypes(page: Page): Promise<string[]> {
  // one snapshot of the type column (rows are redrawn while the stream runs)
  return texts(page.locator('#events-body tr td:nth-child(3)'));
}

describe.skipIf(skip)('explorer approvals and events in chromium', () => {
  it('approves with the approver key (paid, the row leaves), refuses the agent key, denies (budget released); filters events by family', async () => {
    const { admin, node, seen } = await start({ allowApprove: true });
    const { page, problems } = await open(node.endpoints.explorer!);
    const first = await waiting(admin, '300');

    await page.click('a[data-tab="approvals"]');
    const row = page.locator(`#approvals tr[data-approval="${first}"]`);
    await row.waitFor({ timeout: WAIT });
    await containsText(row.locator('td[data-field="amount"]'), '0.000000300 USD');
    await containsText(row, 'g.alice.shop');
    await containsText(row.locator('td[data-field="asked"]'), 'ago');
    await containsText(row.locator('td[data-field="expires"]'), 'in ');
    await containsText(page.locator('#approvals-count'), '1');
    await page.locator('#approval-key-label').waitFor({ state: 'visible', timeout: WAIT });

    // no key, then the agent's own key (send + read): refused, the row stays, nothing is paid
    await row.locator('button[data-action="approve"]').click();
    await containsText(page.locator('#approval-result'), 'needs a key of the admin API');
    await page.fill('#approval-key', AGENT);
    await row.locator('button[data-action="approve"]').click();
    await containsText(page.locator('#approval-result'), "lacks the 'approve' scope");
    expect((await call(admin, 'GET', `/admin/approvals/${first}`, AGENT)).body).toMatchObject({ status: 'pending' });
    expect(await row.count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'explorer-approvals.png') });

    // the approver's key: the payment is made, the row leaves
    await page.fill('#approval-key', APPROVER);
    await row.locator('button[data-action="approve"]').click();
    await containsText(page.locator('#approval-result'), `approved ${first}: paid`);
    await hasCount(row, 0);
    expect((await call(admin, 'GET', `/admin/approvals/${first}`, AGENT)).body).toMatchObject({ status: 'approved', decidedBy: 'approver', outcome: { fulfilled: true } });
    await waitFor(() => seen.some((e) => e.type === 'packet:fulfilled' && e.amount === '300'), WAIT, 'the approved payment fulfilled');

    // a second one arrives live; deny: it leaves and its budget comes back
    const second = await waiting(admin, '200');
    const row2 = page.locator(`#approvals tr[data-approval="${second}"]`);
    await row2.waitFor({ timeout: WAIT });
    expect((await call(admin, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '300', reserved: '200' }] } });
    await row2.locator('button[data-action="deny"]').click();
    await containsText(page.locator('#approval-result'), `denied ${second}: not sent, its budget released`);
    await hasCount(row2, 0);
    await containsText(page.locator('#approvals'), 'No payment waits for approval.');
    expect((await call(admin, 'GET', '/admin/policies', AGENT)).body).toMatchObject({ local: { budgets: [{ spent: '300', reserved: '0', remaining: '700' }] } });

    // one over maxPerPayment: a policy:denied event
    expect((await call(admin, 'POST', '/admin/ilp/send', AGENT, { destination: 'g.alice.shop', amount: '900' })).body).toMatchObject({ fulfilled: false, code: 'F08' });

    // the Events tab, filtered by family
    await page.click('a[data-tab="events"]');
    await page.selectOption('#filter-family', 'approval');
    await waitFor(async () => (await eventTypes(page)).join() === 'approval:denied,approval:requested,approval:approved,approval:requested', WAIT, `approval events; has ${JSON.stringify(await eventTypes(page))}`);
    await containsText(page.locator(`#events-body tr[data-type="approval:approved"]`), 'by=approver');
    await page.screenshot({ path: join(SHOTS, 'explorer-events-approval.png') });
    await page.selectOption('#filter-family', 'policy');
    await waitFor(async () => (await eventTypes(page)).join() === 'policy:denied', WAIT, `policy events; has ${JSON.stringify(await eventTypes(page))}`);
    await containsText(page.locator('#events-body tr[data-type="policy:denied"]'), 'rule=maxPerPayment');
    await page.selectOption('#filter-family', 'packet');
    await waitFor(async () => {
      const types = await eventTypes(page);
      return types.length > 0 && types.every((t) => t.startsWith('packet:')) && types.includes('packet:fulfilled');
    }, WAIT, `packet events only; has ${JSON.stringify(await eventTypes(page))}`);
    await page.selectOption('#filter-family', 'all');
    await waitFor(async () => {
      const types = new Set(await eventTypes(page));
      return types.has('policy:denied') && types.has('approval:requested') && types.has('packet:fulfilled');
    }, WAIT, 'every family under all');
    expect(problems).toEqual([]);
  });

  it('without explorer.allowApprove the tab lists what waits, with no buttons', async () => {
    const { admin, node } = await start({});
    const id = await waiting(admin, '300');
    const { page, problems } = await open(node.endpoints.explorer!);
    await page.click('a[data-tab="approvals"]');
    const row = page.locator(`#approvals tr[data-approval="${id}"]`);
    await row.waitFor({ timeout: WAIT });
    await containsText(row.locator('td[data-field="amount"]'), '0.000000300 USD');
    await page.locator('#approvals-readonly').waitFor({ state: 'visible', timeout: WAIT });
    expect(await page.locator('#approvals button').count()).toBe(0);
    expect(await page.locator('#approval-key-label').isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });
});
