/**
 * A polled rate source: an HTTP URL answering a rates document, or a provider function the library
 * user sets. Every `pollIntervalMs` the source is asked again; a good answer replaces the source's
 * rates, a bad one (down, garbage, wrong base) leaves the last good answer in place until it is
 * older than `maxAgeMs`, when the pairs touching its assets stop (T00) and health says degraded.
 */
import { parseRatesDocument, readRatesDocument, RatesDocumentError, type RatesDocument } from './document.js';
import type { RateBook } from './rate-book.js';

/**
 * Returns the current rates: `{ base, rates: { CODE: "decimal string" } }` or a checked document.
 * Rates as JS numbers are refused: a float cannot carry an exact rate.
 */
export type RateProvider = () => Promise<RatesDocument | { base: string; rates: Record<string, string> }>;

/** What the poller reports (the node turns these into events, logs and metrics). */
export type RateSourceReport =
  | { kind: 'updated'; assets: string[] }
  | { kind: 'error'; message: string }
  | { kind: 'stale'; assets: string[]; ageMs: number }
  | { kind: 'fresh'; assets: string[] };

export interface RatePollerOptions {
  book: RateBook;
  provider: RateProvider;
  /** ms between polls */
  pollIntervalMs: number;
  report: (r: RateSourceReport) => void;
  now?: () => number;
}

/** A provider fetching `url` (GET, JSON rates document, numbers read exactly). */
export function httpRateSource(url: string, timeoutMs = 10_000): RateProvider {
  return async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    const text = await res.text();
    if (!res.ok) throw new RatesDocumentError(`the rate source answered HTTP ${res.status}`);
    return parseRatesDocument(text);
  };
}

function isChecked(doc: unknown): doc is RatesDocument {
  return typeof doc === 'object' && doc !== null && (doc as RatesDocument).rates instanceof Map;
}

export class RatePoller {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private wasStale = false;
  private inFlight: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: RatePollerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Polls once now (resolves when that poll is done, good or bad), then every pollIntervalMs. */
  async start(): Promise<void> {
    await this.pollOnce();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.pollOnce(), this.o.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One poll (concurrent calls share it); also notices the source going stale. */
  pollOnce(): Promise<void> {
    this.inFlight ??= this.poll().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async poll(): Promise<void> {
    try {
      const raw = await this.o.provider();
      const doc = isChecked(raw) ? raw : readRatesDocument(raw);
      if (doc.base !== this.o.book.base) {
        throw new RatesDocumentError(`the rate source quotes against ${doc.base}, but rates.base is ${this.o.book.base}`);
      }
      if (this.stopped) return;
      this.o.book.applySource(doc, this.now());
      this.o.report({ kind: 'updated', assets: [...doc.rates.keys()] });
    } catch (err) {
      if (this.stopped) return;
      const message = err instanceof Error ? err.message : String(err);
      this.o.report({ kind: 'error', message: `rate source failed: ${message}` });
    }
    this.checkStale();
  }

  /** Reports a change between fresh and stale (once per change). */
  checkStale(): void {
    const now = this.now();
    const stale = this.o.book.isStale(now);
    if (stale === this.wasStale) return;
    this.wasStale = stale;
    const assets = this.o.book.list(now).filter((r) => r.source === 'source').map((r) => r.code);
    if (stale) this.o.report({ kind: 'stale', assets, ageMs: this.o.book.sourceAgeMs(now) ?? 0 });
    else this.o.report({ kind: 'fresh', assets });
  }
}
