// @ts-check
/**
 * The explorer page: loads the history and the node's tables from the JSON API, then follows the
 * live stream (server-sent events, resumed from the last seq after a drop). Renders are batched:
 * events mark views dirty and one render runs at most every RENDER_MS.
 */
import { byId, h, mount } from './dom.js';
import { amount, defencesText, textToBase64 } from './format.js';
import { renderPacketDetail, renderPacketTable } from './packets-view.js';
import { applyEvent, createState } from './state.js';
import { renderBalances, renderChannels, renderPeers, renderSettlements } from './tables-view.js';
import { renderEvents, renderFamilies } from './events-view.js';
import { renderApprovals } from './approvals-view.js';

const RENDER_MS = 150;
/** Tables that events do not carry (limits, routes) are re-read this often, in ms. */
const REFRESH_MS = 5000;
const TABS = ['packets', 'balances', 'peers', 'settlements', 'channels', 'events', 'approvals', 'send'];

const state = createState();
/** API data: what the event stream alone cannot rebuild. */
const api = {
  /** @type {import('./tables-view.js').Balances | null} */ balances: null,
  /** @type {import('./tables-view.js').Peer[]} */ peers: [],
  /** @type {import('./tables-view.js').Route[]} */ routes: [],
  /** @type {import('./tables-view.js').Channel[]} */ channels: [],
  /** @type {import('./approvals-view.js').Approvals | null} */ approvals: null,
};
/** Families whose history was loaded for the Events tab. */
const loadedFamilies = new Set();
/** @type {import('./packets-view.js').PacketsUi} */
const packetsUi = {
  selected: null,
  mode: 'text',
  details: new Map(),
  assets: {},
  select(packetId) {
    packetsUi.selected = packetId;
    void loadDetail(packetId);
    dirty.add('packets');
    schedule();
  },
  setMode(mode) {
    packetsUi.mode = mode;
    dirty.add('packets');
    schedule();
  },
  close() {
    packetsUi.selected = null;
    dirty.add('packets');
    schedule();
  },
};

/** @type {Set<string>} */
const dirty = new Set(TABS);
let renderTimer = 0;
let lastRender = 0;

/**
 * GET or POST JSON; throws with the API's message on an error status.
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
async function call(path, init) {
  const res = await fetch(path, {
    ...init,
    headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}), .../** @type {Record<string, string>} */ (init?.headers ?? {}) },
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok && !(path === '/api/health' && res.status === 503)) throw new Error(body.message ?? `${res.status} ${res.statusText}`);
  return body;
}

function currentTab() {
  const tab = location.hash.slice(1);
  return TABS.includes(tab) ? tab : 'packets';
}

function schedule() {
  if (renderTimer !== 0) return;
  const wait = Math.max(0, RENDER_MS - (Date.now() - lastRender));
  renderTimer = window.setTimeout(render, wait);
}

function render() {
  renderTimer = 0;
  lastRender = Date.now();
  const tab = currentTab();
  for (const a of byId('tabs').querySelectorAll('a')) a.classList.toggle('active', a.dataset.tab === tab);
  for (const t of TABS) byId(`tab-${t}`).hidden = t !== tab;
  renderHeader();
  // Only the visible tab is drawn; the others stay dirty until shown.
  if (!dirty.has(tab)) return;
  dirty.delete(tab);
  if (tab === 'packets') {
    renderPacketTable(state, packetsUi);
    renderPacketDetail(state, packetsUi);
  } else if (tab === 'balances') renderBalances(state, api.balances);
  else if (tab === 'peers') renderPeers(state, api.peers, api.routes);
  else if (tab === 'settlements') renderSettlements(state);
  else if (tab === 'channels') renderChannels(api.channels);
  else if (tab === 'events') renderEvents(state, familySelect().value || 'all');
  else if (tab === 'approvals') renderApprovals(api.approvals, (id, decision) => void decide(id, decision), Date.now());
}

/** @returns {HTMLSelectElement} */
function familySelect() {
  return byId('filter-family');
}

function renderHeader() {
  const st = state.stats;
  mount(
    byId('stats'),
    st
      ? [
          h('span', { title: 'packets per second' }, h('b', null, st.packetsIn), ' pkt/s'),
          h('span', { class: 'ok' }, h('b', null, amount(String(st.totalFulfilled))), ' fulfilled'),
          h('span', { class: 'bad' }, h('b', null, amount(String(st.totalRejected))), ' rejected'),
          h('span', null, h('b', null, st.inFlight), ' in flight'),
        ]
      : null,
  );
}

/** @param {string} packetId */
async function loadDetail(packetId) {
  if (packetsUi.details.has(packetId) && packetsUi.details.get(packetId) !== 'missing') return;
  packetsUi.details.set(packetId, 'loading');
  try {
    packetsUi.details.set(packetId, await call(`/api/packets/${encodeURIComponent(packetId)}`));
  } catch {
    packetsUi.details.set(packetId, 'missing');
  }
  dirty.add('packets');
  schedule();
}

/** @param {any} e a node event */
function onEvent(e) {
  const changed = applyEvent(state, e);
  if (e.type !== 'node:stats') dirty.add('events');
  if (changed === 'approvals') void refreshApprovals();
  if (changed === 'packets') {
    dirty.add('packets');
    // A finished packet whose details are open: refetch its events (and the reply's data).
    if (e.packetId === packetsUi.selected && e.type !== 'packet:prepared') {
      packetsUi.details.delete(e.packetId);
      void loadDetail(e.packetId);
    }
  } else if (changed === 'balances') dirty.add('balances');
  else if (changed === 'peers') {
    dirty.add('peers').add('balances');
    void refreshTables();
  } else if (changed === 'settlements') {
    dirty.add('settlements');
    void refreshChannels();
  }
  schedule();
}

/**
 * Each peer's asset by id and the node's as `local`, from GET /api/balances.
 * @param {import('./tables-view.js').Balances} b
 */
function assetsOf(b) {
  /** @type {Record<string, import('./format.js').Asset>} */
  const out = {};
  if (b.asset) out.local = b.asset;
  for (const p of b.peers) if (p.asset) out[p.peerId] = p.asset;
  return out;
}

async function refreshTables() {
  try {
    const [balances, peers, routes, health, defences] = await Promise.all([call('/api/balances'), call('/api/peers'), call('/api/routes'), call('/api/health'), call('/api/defences')]);
    api.balances = balances;
    packetsUi.assets = assetsOf(balances);
    api.peers = peers.peers;
    api.routes = routes.routes;
    const badge = byId('node-health');
    badge.textContent = health.status;
    badge.className = `badge ${health.status}`;
    badge.title = (health.reasons ?? []).join('\n');
    const line = byId('node-defences');
    line.textContent = defencesText(defences);
    line.hidden = line.textContent === '';
    dirty.add('balances').add('peers').add('packets');
    schedule();
  } catch {
    // the stream indicator already says when the node is gone
  }
}

async function refreshApprovals() {
  try {
    api.approvals = await call('/api/approvals');
    const count = byId('approvals-count');
    count.textContent = String(api.approvals?.pending.length ?? 0);
    count.hidden = (api.approvals?.pending.length ?? 0) === 0;
    dirty.add('approvals');
    schedule();
  } catch {
    // the stream indicator already says when the node is gone
  }
}

/**
 * Loads one family's history (once) for the Events tab.
 * @param {string} family
 */
async function loadFamily(family) {
  if (family === 'all' || loadedFamilies.has(family)) return;
  loadedFamilies.add(family);
  const page = await call(`/api/events?type=${encodeURIComponent(family)}&limit=1000`);
  for (const e of page.events) applyEvent(state, e);
  dirty.add('events');
  schedule();
}

/**
 * Approves or denies one waiting send with the key typed in the tab (when the node needs one).
 * @param {string} id
 * @param {'approve' | 'deny'} decision
 */
async function decide(id, decision) {
  const out = byId('approval-result');
  out.hidden = false;
  out.className = 'result';
  out.textContent = decision === 'approve' ? 'approving (the payment is sent now)…' : 'denying…';
  const key = /** @type {HTMLInputElement} */ (byId('approval-key')).value;
  try {
    const view = await call(`/api/approvals/${encodeURIComponent(id)}`, {
      method: 'POST',
      ...(key === '' ? {} : { headers: { 'x-api-key': key } }),
      body: JSON.stringify({ decision }),
    });
    const outcome = view.outcome;
    out.className = `result ${view.status === 'approved' && outcome?.fulfilled ? 'ok' : view.status === 'denied' ? '' : 'bad'}`;
    out.textContent =
      view.status === 'approved'
        ? `approved ${id}: ${outcome?.fulfilled ? 'paid' : `not paid: ${outcome?.code ?? ''} ${outcome?.message ?? ''}`}`
        : `${view.status} ${id}: not sent, its budget released`;
  } catch (err) {
    out.className = 'result bad';
    out.textContent = err instanceof Error ? err.message : String(err);
  }
  await refreshApprovals();
}

let channelsPending = false;
async function refreshChannels() {
  if (channelsPending) return;
  channelsPending = true;
  try {
    api.channels = (await call('/api/channels')).channels;
    dirty.add('channels');
    schedule();
  } finally {
    channelsPending = false;
  }
}

/** Loads everything from the API, then follows the stream from where the history ended. */
async function load() {
  const info = await call('/api/info');
  byId('node-id').textContent = info.nodeId;
  byId('node-address').textContent = info.ilpAddress;
  byId('send-tab').hidden = !info.sendEnabled;
  byId('send-key-label').hidden = !info.sendNeedsKey;
  renderFamilies(info.eventFamilies ?? []);
  if (info.stats) applyEvent(state, info.stats);
  // Packets and settlements separately: a busy node's packets would crowd settlements out of one page.
  const [packets, settlements, recent] = await Promise.all([
    call('/api/events?type=packet&limit=1000'),
    call('/api/events?type=settlement,channel&limit=1000'),
    call('/api/events?limit=500'),
  ]);
  for (const e of [...packets.events, ...settlements.events, ...recent.events].sort((a, b) => a.seq - b.seq)) applyEvent(state, e);
  loadedFamilies.clear();
  await Promise.all([refreshTables(), refreshChannels(), refreshApprovals(), loadFamily(familySelect().value || 'all')]);
  for (const t of TABS) dirty.add(t);
  schedule();
  follow(Math.min(packets.latestSeq, settlements.latestSeq, recent.latestSeq));
}

/** @type {EventSource | null} */
let source = null;

/** @param {number} since */
function follow(since) {
  const live = byId('live');
  source = new EventSource(`/api/stream?since=${since}`);
  source.onopen = () => {
    live.textContent = 'live';
    live.className = 'live on';
  };
  source.onerror = () => {
    live.textContent = 'reconnecting';
    live.className = 'live off';
  };
  source.onmessage = (msg) => onEvent(JSON.parse(msg.data));
  // The node no longer holds what we missed: start over rather than show a gap.
  source.addEventListener('reset', () => {
    source?.close();
    Object.assign(state, createState());
    void load();
  });
}

function wire() {
  window.addEventListener('hashchange', () => {
    dirty.add(currentTab());
    schedule();
  });
  const refilter = () => {
    dirty.add('packets');
    schedule();
  };
  byId('filter-address').addEventListener('input', refilter);
  byId('filter-result').addEventListener('change', refilter);
  familySelect().addEventListener('change', () => {
    dirty.add('events');
    schedule();
    void loadFamily(familySelect().value).catch(() => undefined);
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && packetsUi.selected !== null) packetsUi.close();
  });
  const form = /** @type {HTMLFormElement} */ (byId('send-form'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void send(form);
  });
  setInterval(() => void refreshTables(), REFRESH_MS);
  // ages and expiries move with the clock; decisions made elsewhere (CLI, dashboard) arrive as events
  setInterval(() => {
    if (currentTab() !== 'approvals') return;
    dirty.add('approvals');
    schedule();
  }, 1000);
}

/** @param {HTMLFormElement} form */
async function send(form) {
  const fields = new FormData(form);
  const out = byId('send-result');
  out.hidden = false;
  out.className = 'result';
  out.textContent = 'sending…';
  const text = String(fields.get('data') ?? '');
  try {
    const key = String(fields.get('apiKey') ?? '');
    const result = await call('/api/send', {
      method: 'POST',
      ...(key === '' ? {} : { headers: { 'x-api-key': key } }),
      body: JSON.stringify({
        destination: String(fields.get('destination') ?? '').trim(),
        amount: String(fields.get('amount') ?? '').trim(),
        ...(text === '' ? {} : { data: textToBase64(text) }),
      }),
    });
    out.className = `result ${result.fulfilled ? 'ok' : 'bad'}`;
    mount(
      out,
      result.fulfilled ? 'fulfilled' : `rejected ${result.code} ${result.message} (triggered by ${result.triggeredBy})`,
      result.packetId
        ? h('div', null, 'packet ', h('a', { href: '#packets', id: 'send-packet-link', onclick: () => packetsUi.select(result.packetId) }, result.packetId))
        : null,
    );
  } catch (err) {
    out.className = 'result bad';
    out.textContent = err instanceof Error ? err.message : String(err);
  }
}

wire();
load().catch((err) => {
  const live = byId('live');
  live.textContent = `cannot load: ${err instanceof Error ? err.message : String(err)}`;
  live.className = 'live off';
});
