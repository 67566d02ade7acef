// @ts-check
/** The packets tab: the live table and the detail panel of the selected packet. */
import { byId, h, mount } from './dom.js';
import { asHex, asText, assetAmount, fromBase64, latency, short, time } from './format.js';
import { filterPackets } from './state.js';

/** Rows drawn at once (the state keeps more; the filter reaches all of them). */
export const MAX_ROWS = 300;

/**
 * @typedef {import('./state.js').State} State
 * @typedef {import('./state.js').PacketRow} PacketRow
 * @typedef {{ data: string, length: number, truncated: boolean }} DataPreview
 * @typedef {{ packetId: string, events: import('./state.js').NodeEvent[], preview: null | { prepare: DataPreview, response?: DataPreview & { type: string } } }} PacketDetail
 * @typedef {object} PacketsUi
 * @property {string | null} selected the packet whose details are open
 * @property {'text' | 'hex'} mode how data previews are shown
 * @property {Map<string, PacketDetail | 'loading' | 'missing'>} details fetched from /api/packets/:id
 * @property {Record<string, import('./format.js').Asset>} assets each peer's asset and `local`'s (the node's)
 * @property {(packetId: string) => void} select
 * @property {(mode: 'text' | 'hex') => void} setMode
 * @property {() => void} close
 */

/**
 * Renders the table body and the count.
 * @param {State} s
 * @param {PacketsUi} ui
 */
export function renderPacketTable(s, ui) {
  const filter = {
    address: /** @type {HTMLInputElement} */ (byId('filter-address')).value,
    result: /** @type {HTMLSelectElement} */ (byId('filter-result')).value,
  };
  const { rows, matched } = filterPackets(s, filter, MAX_ROWS);
  const tbody = /** @type {HTMLTableElement} */ (byId('packets')).tBodies[0];
  mount(tbody, rows.map((p) => row(p, ui)));
  byId('packets-empty').hidden = s.packets.size > 0;
  byId('packet-count').textContent =
    matched > rows.length ? `showing the newest ${rows.length} of ${matched} matching (${s.packets.size} kept)` : `${matched} of ${s.packets.size}`;
}

/**
 * @param {PacketRow} p
 * @param {PacketsUi} ui
 */
function row(p, ui) {
  const out = p.to === undefined ? undefined : ui.assets[p.to];
  return h(
    'tr',
    {
      dataset: { packetId: p.packetId, result: p.result },
      class: ui.selected === p.packetId ? 'selected' : undefined,
      tabindex: 0,
      onclick: () => ui.select(p.packetId),
      onkeydown: (/** @type {KeyboardEvent} */ ev) => ev.key === 'Enter' && ui.select(p.packetId),
    },
    h('td', { class: 'mono dim' }, time(p.ts)),
    h('td', { class: 'mono', title: p.packetId }, short(p.packetId, 8)),
    h('td', null, p.from ?? ''),
    h('td', null, p.to ?? ''),
    h('td', { class: 'mono' }, p.destination),
    // amount in: the sender's asset; amount out and the fee: the next hop's (the fee is taken on the converted amount)
    h('td', { class: 'num', dataset: { field: 'amount in' } }, assetAmount(p.amount, p.from === undefined ? undefined : ui.assets[p.from])),
    h('td', { class: 'num', dataset: { field: 'amount out' } }, assetAmount(p.amountOut, out)),
    h('td', { class: 'num' }, assetAmount(p.fee, out)),
    h('td', null, resultBadge(p)),
    h('td', { class: 'num' }, latency(p.latencyMs)),
  );
}

/** @param {PacketRow} p */
function resultBadge(p) {
  const label = p.result === 'rejected' ? `rejected ${p.code ?? ''}` : p.result;
  return h('span', { class: `badge ${p.result}`, title: p.message ?? undefined }, label, p.late ? h('span', { class: 'late' }, ' late') : null);
}

/**
 * Renders the detail panel of the selected packet (hidden when none).
 * @param {State} s
 * @param {PacketsUi} ui
 */
export function renderPacketDetail(s, ui) {
  const panel = byId('packet-detail');
  const id = ui.selected;
  const p = id === null ? undefined : s.packets.get(id);
  if (id === null || p === undefined) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const detail = ui.details.get(id);
  const out = p.to === undefined ? undefined : ui.assets[p.to];
  /** `0.000004321 USD (4321 units)`, or the units alone while the asset is not known */
  const exact = (/** @type {string | undefined} */ units, /** @type {import('./format.js').Asset | undefined} */ asset) =>
    units === undefined || asset === undefined ? units : `${assetAmount(units, asset)} (${units} units)`;
  /** @type {[string, string | number | undefined][]} */
  const fields = [
    ['packet id', p.packetId],
    ['result', p.result + (p.late ? ' (late fulfill: not booked)' : '')],
    ['destination', p.destination],
    ['from', p.from],
    ['to', p.to],
    ['amount in', exact(p.amount, p.from === undefined ? undefined : ui.assets[p.from])],
    ['amount out', exact(p.amountOut, out)],
    ['fee', exact(p.fee, out)],
    ['latency', latency(p.latencyMs)],
    ['code', p.code],
    ['message', p.message],
    ['triggered by', p.triggeredBy],
    ['first seen', new Date(p.ts).toISOString()],
  ];
  mount(
    panel,
    h('div', { class: 'detail-head' }, h('h3', null, 'Packet'), h('button', { type: 'button', class: 'link', onclick: () => ui.close(), title: 'close' }, '×')),
    h(
      'dl',
      { class: 'fields' },
      fields.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [h('dt', null, k), h('dd', { class: 'mono', dataset: { field: k } }, String(v))]),
    ),
    h(
      'div',
      { class: 'detail-head' },
      h('h3', null, 'Data'),
      h(
        'div',
        { class: 'toggle' },
        h('button', { type: 'button', id: 'preview-text', class: ui.mode === 'text' ? 'on' : undefined, onclick: () => ui.setMode('text') }, 'text'),
        h('button', { type: 'button', id: 'preview-hex', class: ui.mode === 'hex' ? 'on' : undefined, onclick: () => ui.setMode('hex') }, 'hex'),
      ),
    ),
    previewBlock(detail, ui.mode),
    detail && typeof detail === 'object' && detail.events.length > 0
      ? [h('h3', null, 'Events'), h('pre', { class: 'events mono' }, detail.events.map((e) => `${time(e.ts)}  ${e.type}\n`))]
      : null,
  );
}

/**
 * @param {PacketDetail | 'loading' | 'missing' | undefined} detail
 * @param {'text' | 'hex'} mode
 */
function previewBlock(detail, mode) {
  if (detail === undefined || detail === 'loading') return h('p', { id: 'preview', class: 'dim' }, 'loading…');
  if (detail === 'missing' || detail.preview === null) {
    return h(
      'p',
      { id: 'preview', class: 'dim' },
      'No data preview: packet events carry no data, so the explorer has it only for packets sent from its Send tab.',
    );
  }
  const { prepare, response } = detail.preview;
  return h(
    'div',
    { id: 'preview' },
    dataBlock('prepare', prepare, mode),
    response ? dataBlock(response.type, response, mode) : null,
  );
}

/**
 * @param {string} label
 * @param {DataPreview} d
 * @param {'text' | 'hex'} mode
 */
function dataBlock(label, d, mode) {
  const bytes = fromBase64(d.data);
  const note = `${d.length} bytes${d.truncated ? `, first ${bytes.length} shown` : ''}`;
  return h(
    'div',
    { class: 'data' },
    h('div', { class: 'dim' }, `${label} · ${note}`),
    h('pre', { class: `mono data-${mode}`, dataset: { part: label } }, d.length === 0 ? '(empty)' : mode === 'hex' ? asHex(bytes) : asText(bytes)),
  );
}
