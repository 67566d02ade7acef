// @ts-check
/**
 * The Events tab: every event the node emitted (but the per-second node:stats), newest first,
 * filtered by type family (packet, peer, route, balance, settlement, channel, rates, policy,
 * approval, node, ledger: the families GET /api/info lists). Choosing a family also loads that
 * family's history from GET /api/events?type=<family>, so rare events are not crowded out by packets.
 */
import { byId, h, mount } from './dom.js';
import { time } from './format.js';
import { filterEvents } from './state.js';

/** Rows drawn at most. */
const MAX_ROWS = 500;
/** Fields every event has: not repeated in the detail column. */
const COMMON = new Set(['type', 'seq', 'ts', 'nodeId']);

/**
 * The family select's options: 'all', then the node's families.
 * @param {string[]} families
 */
export function renderFamilies(families) {
  const select = /** @type {HTMLSelectElement} */ (byId('filter-family'));
  const current = select.value || 'all';
  mount(
    select,
    ['all', ...families].map((f) => h('option', { value: f, selected: f === current }, f === 'all' ? 'all' : `${f}:*`)),
  );
}

/**
 * The detail of one event: its own fields as `key=value`, in its order.
 * @param {Record<string, unknown>} e
 */
function detail(e) {
  return Object.entries(e)
    .filter(([k, v]) => !COMMON.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('  ');
}

/**
 * @param {import('./state.js').State} s
 * @param {string} family 'all' or a family
 */
export function renderEvents(s, family) {
  const { rows, matched } = filterEvents(s, family, MAX_ROWS);
  byId('event-count').textContent = matched > rows.length ? `${rows.length} of ${matched}` : `${matched} event${matched === 1 ? '' : 's'}`;
  mount(
    byId('events-body'),
    rows.map((e) =>
      h(
        'tr',
        { dataset: { type: e.type, seq: String(e.seq) } },
        h('td', { class: 'mono dim' }, time(e.ts)),
        h('td', { class: 'num dim' }, e.seq),
        h('td', null, h('span', { class: `badge ${e.type.replace(':', '-')}` }, e.type)),
        h('td', { class: 'mono detail-text' }, detail(e)),
      ),
    ),
  );
  byId('events-empty').hidden = rows.length > 0;
}
