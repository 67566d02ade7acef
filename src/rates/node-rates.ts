/**
 * The node's rates service: the RateBook, its polled source (HTTP or a library provider), the rates
 * set through the admin API (kept in `<dataDir>/rates.json`, written before they apply), the events
 * and the rate-age metric. The packet path reads `book` only.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { makeDirectory } from '../make-directory.js';
import { RatesDocumentError, readRatesDocument, type Rate } from './document.js';
import { parseDecimal } from './rational.js';
import { RateBook, type RateRow } from './rate-book.js';
import { httpRateSource, RatePoller, type RateProvider, type RateSourceReport } from './source.js';

/** The `rates` config section as the node reads it. */
export interface RatesConfig {
  readonly base?: string;
  readonly static: Readonly<Record<string, string>>;
  readonly spread: string;
  readonly source?: { readonly url: string; readonly pollIntervalMs: number; readonly maxAgeMs: number; readonly timeoutMs: number };
}

/** What the rates service emits (the node forwards these to its event stream). */
export type RatesEventInput =
  | { type: 'rates:updated'; source: 'source' | 'admin'; assets: string[] }
  | { type: 'rates:stale'; assets: string[]; ageMs: number }
  | { type: 'rates:fresh'; assets: string[] }
  | { type: 'rates:error'; message: string };

/** The body of GET /admin/rates (and PUT's answer). */
export interface RatesView {
  base: string;
  spread: string;
  /** ms since the source's last good answer; absent without a source or before its first answer */
  sourceAgeMs?: number;
  stale: boolean;
  rates: RateRow[];
  /**
   * PUT's answer only: codes just set that neither the node nor any peer uses now (a typo such as
   * `XPR`, or `xrp`: codes are case-sensitive). They are kept; they convert once a peer has that asset.
   */
  unused?: string[];
}

export interface NodeRatesOptions {
  config: RatesConfig;
  /** the node's asset code: the base when rates.base is unset */
  assetCode: string;
  dataDir: string;
  logger: Logger;
  emit: (e: RatesEventInput) => void;
  /** The asset codes in use now: the node's and its peers' (PUT names the codes it set that are not among them). */
  assetsInUse?: () => Iterable<string>;
}

const FILE = 'rates.json';

export class NodeRates {
  readonly book: RateBook;
  private poller: RatePoller | undefined;
  private provider: RateProvider | undefined;
  private readonly file: string;
  /** the admin changes, one after another: each reads the file the previous one wrote */
  private setting: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: NodeRatesOptions) {
    const c = o.config;
    this.file = join(o.dataDir, FILE);
    this.book = new RateBook({ base: c.base ?? o.assetCode, static: c.static, spread: parseDecimal(c.spread), maxAgeMs: c.source?.maxAgeMs });
    const saved = this.loadSaved();
    if (saved.size > 0) this.book.setStatic(saved);
    if (c.source) this.provider = httpRateSource(c.source.url, c.source.timeoutMs);
  }

  /** Replaces the polled source with a provider function (library use). Call before start. */
  setProvider(provider: RateProvider): void {
    this.provider = provider;
  }

  /** Starts polling the source, if any; resolves after its first answer (good or bad). */
  async start(): Promise<void> {
    if (this.provider === undefined) return;
    this.poller = new RatePoller({
      book: this.book,
      provider: this.provider,
      pollIntervalMs: this.o.config.source?.pollIntervalMs ?? 60_000,
      report: (r) => this.onReport(r),
    });
    await this.poller.start();
  }

  stop(): void {
    this.poller?.stop();
  }

  /** Assets whose rates are stale now (their pairs get T00); empty when all are fresh. */
  staleAssets(now = Date.now()): string[] {
    return this.book.staleAssets(now);
  }

  view(now = Date.now()): RatesView {
    const age = this.book.sourceAgeMs(now);
    return {
      base: this.book.base,
      spread: this.o.config.spread,
      ...(age === undefined ? {} : { sourceAgeMs: age }),
      stale: this.book.isStale(now),
      rates: this.book.list(now),
    };
  }

  /**
   * Sets static rates from an admin request `{ rates: { CODE: "decimal" }, base? }`: checked,
   * written to `<dataDir>/rates.json`, then applied.
   * @throws RatesDocumentError naming what is wrong (nothing changes)
   */
  set(body: unknown): Promise<RatesView> {
    // Two PUTs at once shared one temp file (the second rename found it gone: a 500) and could each
    // persist without the other's rates; one at a time, each persists the union and then applies.
    const next = this.setting.then(() => this.setNow(body));
    this.setting = next.catch(() => undefined);
    return next;
  }

  private async setNow(body: unknown): Promise<RatesView> {
    const example = '{ "rates": { "XRP": "1.923077" } }';
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RatesDocumentError(`the body must be a JSON object: send ${example}`);
    const b = body as Record<string, unknown>;
    if (typeof b.rates !== 'object' || b.rates === null || Array.isArray(b.rates)) {
      throw new RatesDocumentError(`the body has no "rates" object of asset codes: send ${example}`);
    }
    for (const [code, v] of Object.entries(b.rates)) {
      if (typeof v === 'number') throw new RatesDocumentError(`rates.${code}: send the rate as a decimal string ("${v}"): a JSON number is read as a float`);
      if (typeof v !== 'string') throw new RatesDocumentError(`rates.${code}: ${JSON.stringify(v)} is not a rate: send a decimal string greater than 0, e.g. "1.923077"`);
    }
    const doc = readRatesDocument({ base: b.base ?? this.book.base, rates: b.rates });
    if (doc.base !== this.book.base) throw new RatesDocumentError(`base is ${doc.base} but the node's rates are quoted against ${this.book.base}`);
    if (doc.rates.size === 0) throw new RatesDocumentError('rates is empty: name at least one asset, e.g. { "rates": { "XRP": "1.923077" } }');
    const next = { ...this.savedObject(), ...Object.fromEntries([...doc.rates].map(([k, r]) => [k, r.text])) };
    await this.writeSaved(next);
    await this.publish?.(next);
    this.book.setStatic(doc.rates);
    this.o.emit({ type: 'rates:updated', source: 'admin', assets: [...doc.rates.keys()] });
    const inUse = new Set(this.o.assetsInUse?.() ?? [this.o.assetCode]);
    const unused = [...doc.rates.keys()].filter((code) => !inUse.has(code));
    return unused.length === 0 ? this.view() : { ...this.view(), unused };
  }

  /** A cluster instance's hook (src/cluster): every rate set here, after its local write and before it applies. */
  publish: ((saved: Record<string, string>) => Promise<void>) | undefined;

  /**
   * Rates set at another instance of the cluster (its whole set of runtime rates): written to
   * `<dataDir>/rates.json`, then applied. A base mismatch or a bad rate throws (nothing changes).
   */
  adopt(saved: Record<string, string>): Promise<void> {
    // in line with the local sets: they write the same file
    const next = this.setting.then(() => this.adoptNow(saved));
    this.setting = next.catch(() => undefined);
    return next;
  }

  private async adoptNow(saved: Record<string, string>): Promise<void> {
    const doc = readRatesDocument({ base: this.book.base, rates: saved });
    await this.writeSaved(saved);
    this.book.setStatic(doc.rates);
    this.o.emit({ type: 'rates:updated', source: 'admin', assets: [...doc.rates.keys()] });
  }

  private async writeSaved(saved: Record<string, string>): Promise<void> {
    makeDirectory(this.o.dataDir);
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ static: saved }, null, 2)}\n`);
    await rename(tmp, this.file);
  }

  /** Registers `ilp_rate_age_seconds` and `ilp_rate_stale` (read at scrape time). */
  registerMetrics(registry: Registry): void {
    const book = this.book;
    new Gauge({
      name: 'ilp_rate_age_seconds',
      help: "Seconds since the rate source's last good answer (absent without a source).",
      registers: [registry],
      collect() {
        const age = book.sourceAgeMs(Date.now());
        this.reset();
        if (age !== undefined) this.set(age / 1000);
      },
    });
    new Gauge({
      name: 'ilp_rate_stale',
      help: '1 for each asset whose rate is stale (its pairs get T00).',
      labelNames: ['asset'],
      registers: [registry],
      collect() {
        this.reset();
        for (const code of book.staleAssets(Date.now())) this.set({ asset: code }, 1);
      },
    });
  }

  private onReport(r: RateSourceReport): void {
    const log = this.o.logger;
    if (r.kind === 'updated') {
      log.debug({ assets: r.assets }, 'rates updated from the source');
      this.o.emit({ type: 'rates:updated', source: 'source', assets: r.assets });
    } else if (r.kind === 'error') {
      log.warn({ err: r.message }, 'rate source failed; keeping its last answer until maxAgeMs');
      this.o.emit({ type: 'rates:error', message: r.message });
    } else if (r.kind === 'stale') {
      log.error({ assets: r.assets, ageMs: r.ageMs }, 'rates are stale: pairs touching these assets get T00');
      this.o.emit({ type: 'rates:stale', assets: r.assets, ageMs: r.ageMs });
    } else {
      log.info({ assets: r.assets }, 'rates are fresh again');
      this.o.emit({ type: 'rates:fresh', assets: r.assets });
    }
  }

  private savedObject(): Record<string, string> {
    try {
      const json = JSON.parse(readFileSync(this.file, 'utf8')) as { static?: Record<string, string> };
      return json.static ?? {};
    } catch {
      return {};
    }
  }

  private loadSaved(): ReadonlyMap<string, Rate> {
    const saved = this.savedObject();
    if (Object.keys(saved).length === 0) return new Map();
    return readRatesDocument({ base: this.book.base, rates: saved }).rates;
  }
}
