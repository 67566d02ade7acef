/**
 * The table we announce: one best route per prefix, and a log of changes numbered by epoch so a
 * peer can be sent only what changed since the epoch it last acknowledged (as ilp-connector does).
 * A new table id at each start tells peers to forget what they had from us and start from epoch 0.
 */
import { randomUUID } from 'node:crypto';

/** A route as we announce it: path starts with our own address. */
export interface ExportedRoute {
  readonly prefix: string;
  /** the peer id (or 'local') we forward to: never announced back to it */
  readonly nextHop: string;
  readonly path: readonly string[];
  readonly auth: Buffer;
}

/** One change: a route (new or changed) or, without one, a withdrawal. */
export interface LogEntry {
  readonly prefix: string;
  readonly route?: ExportedRoute;
  readonly epoch: number;
}

export class ForwardingTable {
  readonly id: string = randomUUID();
  private readonly current = new Map<string, LogEntry>();
  /** index = epoch; an entry superseded by a later change of its prefix becomes null */
  private readonly log: (LogEntry | null)[] = [];

  /** The next epoch: every change below it is in the log. */
  get epoch(): number {
    return this.log.length;
  }

  get size(): number {
    let n = 0;
    for (const e of this.current.values()) if (e.route) n++;
    return n;
  }

  /** Makes the table `routes`; logs one entry per prefix whose next hop or path changed. True when any did. */
  sync(routes: ReadonlyMap<string, ExportedRoute>): boolean {
    let changed = false;
    for (const [prefix, route] of routes) {
      const was = this.current.get(prefix)?.route;
      if (was && was.nextHop === route.nextHop && sameList(was.path, route.path)) continue;
      this.record(prefix, route);
      changed = true;
    }
    for (const [prefix, entry] of this.current) {
      if (entry.route && !routes.has(prefix)) {
        this.record(prefix, undefined);
        changed = true;
      }
    }
    return changed;
  }

  /** The live changes with epochs in [from, to). */
  entries(from: number, to: number): LogEntry[] {
    const out: LogEntry[] = [];
    for (let i = from; i < Math.min(to, this.log.length); i++) {
      const e = this.log[i];
      if (e) out.push(e);
    }
    return out;
  }

  private record(prefix: string, route: ExportedRoute | undefined): void {
    const previous = this.current.get(prefix);
    if (previous) this.log[previous.epoch] = null;
    const entry: LogEntry = { prefix, route, epoch: this.log.length };
    this.log.push(entry);
    this.current.set(prefix, entry);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
