/**
 * The explorer in a real browser (Debian's chromium driven by playwright-core): a 3-node chain
 * alice → hub → bob with the explorer on the hub; packets sent during the test appear live, rows
 * open their details, the send form's packets show their data as text and hex, and the other tabs
 * show balances with limits, peers and routes. Screenshots go to tmp/ (gitignored).
 *
 * Skipped only when /usr/bin/chromium is missing outside CI (scripts/test.sh installs it; in CI it must run).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeConditionFromData, type ConnectorNode } from '../../src/index.js';
import type { NodeEvent } from '../../src/node/events.js';
import { Harness, waitFor } from '../helpers/node.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI;
const SHOTS = join(process.cwd(), 'tmp');

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
});
afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});
afterEach(() => h.cleanup());

async function chain(): Promise<{ alice: ConnectorNode; hub: ConnectorNode; bob: ConnectorNode }> {
  const hub = h.node({
    nodeId: 'hub',
    ilpAddress: 'g.hub',
    explorer: { enabled: true, port: 0, allowSend: true },
    peers: [
      { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '1000000' },
      { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit: '1000000', settleThreshold: '50000' },
    ],
  } as never);
  await hub.start();
  const url = `ws://127.0.0.1:${hub.btpPort}`;
  const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent', creditLimit: '1000000' }] } as never);
  const bob = h.node({ nodeId: 'bob', peers: [{ id: 'hub', url, authToken: 'bob-secret', relation: 'parent', creditLimit: '1000000' }] } as never);
  bob.setPacketHandler(() => ({ accept: true, data: Buffer.from('receipt: 42').toString('base64') }));
  await Promise.all([alice.start(), bob.start()]);
  await waitFor(() => hub.listPeers().every((p) => p.connected), 10_000, 'children connected');
  return { alice, hub, bob };
}

function pay(from: ConnectorNode, destination: string, amount: bigint, text: string) {
  const data = Buffer.from(text);
  return from.sendPacket({ destination, amount, executionCondition: computeConditionFromData(data).condition, expiresAt: new Date(Date.now() + 10_000), data });
}

/** Opens the explorer and fails the test on any page error, console error or request to another origin. */
async function open(base: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context!.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(base) && !req.url().startsWith('data:')) problems.push(`foreign request: ${req.url()}`);
  });
  await page.goto(base + '/');
  await page.locator('#live.on').waitFor({ timeout: 10_000 });
  return { page, problems };
}

/** Waits until one element of `loc` has exactly this text (trimmed); playwright-core has no expect(). */
async function hasText(loc: Locator, expected: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => (await texts(loc)).includes(expected), timeoutMs, `${loc.toString()} to have text ${JSON.stringify(expected)}; has ${JSON.stringify(await texts(loc))}`);
}

/** Waits until one element of `loc` contains this text. */
async function containsText(loc: Locator, expected: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => (await texts(loc)).some((t) => t.includes(expected)), timeoutMs, `${loc.toString()} to contain ${JSON.stringify(expected)}`);
}

/** Waits until `loc` matches exactly n elements. */
async function hasCount(loc: Locator, n: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => (await loc.count()) === n, timeoutMs, `${loc.toString()} to match ${n} elements`);
}

/** The texts of every element `loc` matches now (allTextContents does not wait for it to exist). */
async function texts(loc: Locator): Promise<string[]> {
  return (await loc.allTextContents()).map((t) => t.trim());
}

describe.skipIf(skip)('explorer in chromium', () => {
  it('shows a packet live, opens its details, filters, and previews data sent from the form', async () => {
    const { alice, hub } = await chain();
    const base = hub.endpoints.explorer!;
    const seen: NodeEvent[] = [];
    h.onCleanup(hub.events.subscribe((b) => seen.push(...b)));
    const { page, problems } = await open(base);
    await hasText(page.locator('#node-id'), 'hub');
    await hasText(page.locator('#node-address'), 'g.hub');

    // A packet sent after the page loaded appears through the live stream.
    expect((await pay(alice, 'g.hub.bob', 4321n, 'what is the ETH price?')).type).toBe(13);
    const done = await waitFor(() => seen.find((e) => e.type === 'packet:fulfilled' && e.amount === '4321'), 5000, 'fulfilled event');
    const packetId = (done as { packetId: string }).packetId;
    const row = page.locator(`#packets tbody tr[data-packet-id="${packetId}"]`);
    await row.and(page.locator('[data-result="fulfilled"]')).waitFor({ timeout: 10_000 });
    // amounts with their asset (issue 19): every node here is USD@9
    await hasText(row.locator('td[data-field="amount in"]'), '0.000004321 USD');
    await hasText(row.locator('td[data-field="amount out"]'), '0.000004317 USD'); // 10 bps: the hub keeps 4
    await containsText(row, 'alice');

    // A rejected one, and the filters.
    await pay(alice, 'g.hub.nowhere', 7n, 'lost');
    const rejected = page.locator('#packets tbody tr[data-result="rejected"]');
    await containsText(rejected, 'F02');
    await page.selectOption('#filter-result', 'rejected');
    await hasCount(page.locator('#packets tbody tr'), 1);
    await page.selectOption('#filter-result', 'all');
    await page.fill('#filter-address', 'nowhere');
    await hasCount(page.locator('#packets tbody tr'), 1);
    await containsText(page.locator('#packets tbody tr'), 'g.hub.nowhere');
    await page.fill('#filter-address', '');

    // Click the row: its fields, and no preview (packet events carry no data).
    await row.click();
    const detail = page.locator('#packet-detail');
    await detail.waitFor({ state: 'visible' });
    await hasText(detail.locator('dd[data-field="packet id"]'), packetId);
    await hasText(detail.locator('dd[data-field="amount out"]'), '0.000004317 USD (4317 units)');
    await hasText(detail.locator('dd[data-field="fee"]'), '0.000000004 USD (4 units)');
    await containsText(detail.locator('#preview'), 'No data preview');
    await containsText(detail.locator('pre.events'), 'packet:fulfilled');
    await page.screenshot({ path: join(SHOTS, 'explorer-packets.png') });

    // The send form: its packet shows its data, as text and as hex, and the reply's data.
    await page.click('a[data-tab="send"]');
    await page.fill('#send-form input[name="destination"]', 'g.hub.bob');
    await page.fill('#send-form input[name="amount"]', '55');
    await page.fill('#send-form textarea[name="data"]', 'hello from the explorer');
    await page.click('#send-form button[type="submit"]');
    await containsText(page.locator('#send-result'), 'fulfilled');
    await page.click('#send-packet-link');
    await hasText(detail.locator('dd[data-field="amount in"]'), '0.000000055 USD (55 units)');
    await hasText(detail.locator('pre[data-part="prepare"]'), 'hello from the explorer');
    await hasText(detail.locator('pre[data-part="fulfill"]'), 'receipt: 42');
    await page.click('#preview-hex');
    await containsText(detail.locator('pre[data-part="prepare"]'), '68 65 6c 6c 6f 20 66 72');
    await containsText(detail.locator('pre[data-part="prepare"]'), '|hello from the e|');
    await page.screenshot({ path: join(SHOTS, 'explorer-send-preview.png') });

    expect(problems).toEqual([]);
  });

  it('shows balances with their limits, peers with link state, routes, settlements and channels with transaction hashes', async () => {
    const { alice, hub, bob } = await chain();
    const { page, problems } = await open(hub.endpoints.explorer!);
    await pay(alice, 'g.hub.bob', 2000n, 'one');

    await page.click('a[data-tab="balances"]');
    const aliceRow = page.locator('#peer-balances tr[data-peer="alice"]');
    await hasText(aliceRow.locator('td[data-field="balance"]'), '0.000002000 USD');
    await hasText(aliceRow.locator('td[data-field="credit limit"]'), '0.001000000 USD');
    const bobRow = page.locator('#peer-balances tr[data-peer="bob"]');
    await hasText(bobRow.locator('td[data-field="balance"]'), '−0.000001998 USD');
    await hasText(bobRow.locator('td[data-field="settle threshold"]'), '0.000050000 USD');
    await hasText(page.locator('#accounts tr[data-account="fees"] td[data-field="balance"]'), '−0.000000002 USD');
    await page.screenshot({ path: join(SHOTS, 'explorer-balances.png') });

    await page.click('a[data-tab="peers"]');
    await containsText(page.locator('#peers tr[data-peer="bob"]'), 'connected');
    await containsText(page.locator('#routes'), 'g.hub.bob');
    // learned routes show their path and age (issue 21): the columns are there for every route
    await containsText(page.locator('#routes thead'), 'path');
    await containsText(page.locator('#routes thead'), 'age');
    // bob goes away: the live stream marks it down
    await bob.stop();
    await containsText(page.locator('#peers tr[data-peer="bob"]'), 'down');
    await page.screenshot({ path: join(SHOTS, 'explorer-peers.png') });

    await page.click('a[data-tab="settlements"]');
    await containsText(page.locator('#settlements'), 'No settlement activity yet');
    await page.click('a[data-tab="channels"]');
    await containsText(page.locator('#channels'), 'No payment channels yet');

    // Settlement events as the settlement engine emits them on the node's stream.
    const evm = 'evm:base:8453';
    const channelId = '0x' + 'ab'.repeat(32);
    const openTx = '0x' + '11'.repeat(32);
    const redeemTx = '0x' + '22'.repeat(32);
    hub.events.emit({ type: 'channel:opened', peerId: 'bob', chain: evm, channelId, deposit: '100000', txHash: openTx });
    hub.events.emit({ type: 'settlement:required', peerId: 'bob', owed: '60000', threshold: '50000' });
    hub.events.emit({ type: 'settlement:claim-sent', peerId: 'bob', chain: evm, channelId, amount: '60000', cumulative: '60000' });
    hub.events.emit({ type: 'settlement:redeemed', peerId: 'bob', chain: evm, channelId, amount: '60000', txHash: redeemTx });
    const channelRow = page.locator(`#channels tr[data-channel="${channelId}"]`);
    await containsText(channelRow, 'opened');
    await containsText(channelRow, '100,000');
    await containsText(channelRow, '60,000');
    expect(await channelRow.locator(`[title="${openTx}"]`).count()).toBe(1);
    expect(await channelRow.locator(`[title="${redeemTx}"]`).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'explorer-channels.png') });
    await page.click('a[data-tab="settlements"]');
    await hasCount(page.locator('#settlements tbody tr'), 4);
    await containsText(page.locator('#settlements tr[data-type="settlement:redeemed"]'), '60,000');
    expect(await page.locator(`#settlements tr[data-type="settlement:redeemed"] [title="${redeemTx}"]`).count()).toBe(1);
    await containsText(page.locator('#settlements tr[data-type="settlement:required"]'), 'threshold 50,000');
    expect(problems).toEqual([]);
  });

  it('cross-asset (issue 19): a packet shows amount in USD and out in XRP, and balances show each peer its own asset', async () => {
    const hub = h.node({
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      feeBps: 10,
      explorer: { enabled: true, port: 0 },
      rates: { base: 'USD', static: { XRP: '1.923077' } },
      peers: [
        { id: 'alice', authToken: 'alice-secret', relation: 'child', creditLimit: '100000000000' },
        { id: 'bob', authToken: 'bob-secret', relation: 'child', creditLimit: '100000000', assetCode: 'XRP', assetScale: 6 },
      ],
    } as never);
    await hub.start();
    const url = `ws://127.0.0.1:${hub.btpPort}`;
    const alice = h.node({ nodeId: 'alice', peers: [{ id: 'hub', url, authToken: 'alice-secret', relation: 'parent', creditLimit: '100000000000' }] } as never);
    const bob = h.node({ nodeId: 'bob', assetCode: 'XRP', assetScale: 6, peers: [{ id: 'hub', url, authToken: 'bob-secret', relation: 'parent', creditLimit: '100000000' }] } as never);
    bob.setPacketHandler(() => ({ accept: true }));
    await Promise.all([alice.start(), bob.start()]);
    await waitFor(() => hub.listPeers().every((p) => p.connected), 20_000, 'both children connected');
    const seen: NodeEvent[] = [];
    h.onCleanup(hub.events.subscribe((b) => seen.push(...b)));
    const { page, problems } = await open(hub.endpoints.explorer!);

    // 1 USD at scale 9 → floor(1e9 × 1.923077 × 10^-3) = 1923077 drops, the hub keeps 10 bps of them (1923)
    expect((await pay(alice, 'g.hub.bob', 1_000_000_000n, 'one dollar')).type).toBe(13);
    const done = await waitFor(() => seen.find((e) => e.type === 'packet:fulfilled'), 20_000, 'fulfilled event');
    const row = page.locator(`#packets tbody tr[data-packet-id="${(done as { packetId: string }).packetId}"]`);
    await hasText(row.locator('td[data-field="amount in"]'), '1.000000000 USD', 20_000);
    await hasText(row.locator('td[data-field="amount out"]'), '1.921154 XRP', 20_000);
    await containsText(row, '0.001923 XRP'); // the fee, in the asset it was earned in
    await row.click();
    await hasText(page.locator('#packet-detail dd[data-field="amount out"]'), '1.921154 XRP (1921154 units)');

    await page.click('a[data-tab="balances"]');
    await hasText(page.locator('#peer-balances tr[data-peer="alice"] td[data-field="balance"]'), '1.000000000 USD');
    await hasText(page.locator('#peer-balances tr[data-peer="bob"] td[data-field="balance"]'), '−1.921154 XRP');
    await hasText(page.locator('#peer-balances tr[data-peer="bob"] td[data-field="credit limit"]'), '100.000000 XRP');
    await hasText(page.locator('#accounts tr[data-account="exchange:XRP@6"] td[data-field="balance"]'), '1.923077 XRP');
    await hasText(page.locator('#accounts tr[data-account="exchange:USD@9"] td[data-field="balance"]'), '−1.000000000 USD');
    await hasText(page.locator('#accounts tr[data-account="fees:XRP@6"] td[data-field="balance"]'), '−0.001923 XRP');
    await page.screenshot({ path: join(SHOTS, 'explorer-assets.png') });
    expect(problems).toEqual([]);
  });
});
