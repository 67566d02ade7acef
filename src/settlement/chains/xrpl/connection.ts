/**
 * The adapter's line to a rippled server: one xrpl.js Client, every request bounded by a timeout,
 * rippled errors turned into XrplCallErrors with their code, and a dropped socket dialled again on the
 * next request (one attempt at a time, shared by concurrent callers).
 */
import type { Client, SubmittableTransaction } from 'xrpl';
import type { Logger } from 'pino';
import { redactUrl } from '../redact.js';
import { XrplCallError } from './result-codes.js';
import type { Xrpl } from './sdk.js';

/** Seconds between the Unix epoch and the Ripple epoch (2000-01-01T00:00:00Z). */
export const RIPPLE_EPOCH_OFFSET = 946_684_800;

export class XrplConnection {
  private connecting: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly client: Client,
    /** the server's URL, credentials removed (for logs and messages) */
    readonly serverShown: string,
    private readonly logger: Logger,
    /** bound on every request, ms */
    readonly requestTimeoutMs: number,
    /** the server's network id (0 when it names none) */
    readonly networkId: number,
  ) {}

  /**
   * Connects and reads the network id from server_info.
   * @throws XrplCallError when the server cannot be reached or does not answer in time
   */
  static async open(xrpl: Xrpl, server: string, logger: Logger, requestTimeoutMs: number): Promise<XrplConnection> {
    const client = new xrpl.Client(server, { timeout: requestTimeoutMs, connectionTimeout: requestTimeoutMs });
    // The client emits 'error' for socket trouble; requests fail on their own and are reported there.
    client.on('error', (...args: unknown[]) => logger.debug({ args: args.slice(0, 2) }, 'xrpl client error'));
    try {
      await withTimeout(client.connection.connect(), requestTimeoutMs, `connect to ${redactUrl(server)}`);
      const info = await withTimeout(client.request({ command: 'server_info' }), requestTimeoutMs, 'server_info');
      // Feed the client what its own connect() would have read (autofill uses it for NetworkID).
      const c = client as unknown as { networkID?: number; buildVersion?: string };
      c.networkID = info.result.info.network_id;
      c.buildVersion = info.result.info.build_version;
      return new XrplConnection(client, redactUrl(server), logger, requestTimeoutMs, info.result.info.network_id ?? 0);
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      throw new XrplCallError(`cannot use the XRP Ledger server at ${redactUrl(server)}: ${describe(err)}`, undefined, undefined, { cause: err });
    }
  }

  /** One request, bounded by the timeout; rippled errors become XrplCallError with the error code. */
  async request<T>(req: Record<string, unknown>): Promise<T> {
    await this.ensureConnected();
    const command = String(req.command);
    try {
      const res = await withTimeout(
        this.client.connection.request<{ command: string; api_version: number }, { result: T }>({ command, api_version: 2, ...req }, this.requestTimeoutMs),
        this.requestTimeoutMs + 100,
        command,
      );
      return res.result;
    } catch (err) {
      const data = (err as { data?: { error?: unknown; error_message?: unknown } } | null)?.data;
      if (typeof data?.error === 'string') {
        throw new XrplCallError(`${command} failed: ${data.error}${typeof data.error_message === 'string' ? ` (${data.error_message})` : ''}`, data.error, undefined, { cause: err });
      }
      throw new XrplCallError(`${command} failed: ${describe(err)}`, undefined, undefined, { cause: err });
    }
  }

  /** The latest validated ledger: index and close time (Unix seconds). */
  async latestValidated(): Promise<{ index: number; closeTime: number }> {
    const res = await this.request<{ ledger_index: number; ledger: { close_time: number } }>({ command: 'ledger', ledger_index: 'validated' });
    return { index: Number(res.ledger_index), closeTime: res.ledger.close_time + RIPPLE_EPOCH_OFFSET };
  }

  /**
   * Fills in sequence, fee and LastLedgerSequence. @throws XrplCallError with rippled's code (an
   * account the ledger does not hold yet is named as such)
   */
  async autofill(what: string, tx: SubmittableTransaction): Promise<SubmittableTransaction> {
    await this.ensureConnected();
    try {
      return await withTimeout(this.client.autofill(tx), this.requestTimeoutMs * 2, `${what} autofill`);
    } catch (err) {
      if (err instanceof XrplCallError) throw err;
      const data = (err as { data?: { error?: unknown } } | null)?.data;
      const code = typeof data?.error === 'string' ? data.error : undefined;
      const hint = code === 'actNotFound' ? ': our account is not on the ledger yet (send it at least the base reserve in XRP)' : '';
      throw new XrplCallError(`${what}: cannot prepare the transaction: ${describe(err)}${hint}`, code, undefined, { cause: err });
    }
  }

  /** Disconnects for good: later requests fail at once. */
  close(): void {
    this.closed = true;
    void this.client.disconnect().catch(() => undefined);
  }

  /** Reconnects when the socket dropped (one attempt at a time, shared by concurrent callers). */
  private async ensureConnected(): Promise<void> {
    if (this.closed) throw new XrplCallError('the XRP Ledger connection was closed');
    if (this.client.isConnected()) return;
    this.connecting ??= this.reconnect().finally(() => {
      this.connecting = undefined;
    });
    await this.connecting;
  }

  /**
   * Dials again until connected or the request timeout has passed. A socket the server just cut may
   * still be closing (xrpl then refuses to dial: "never cleaned up"), so that is retried shortly after.
   */
  private async reconnect(): Promise<void> {
    const deadline = Date.now() + this.requestTimeoutMs;
    for (;;) {
      try {
        await withTimeout(this.client.connection.connect(), Math.max(1, deadline - Date.now()), `reconnect to ${this.serverShown}`);
        this.logger.info({ server: this.serverShown }, 'reconnected to the XRP Ledger server');
        return;
      } catch (err) {
        if (this.client.isConnected()) return;
        if (this.closed || Date.now() + 100 >= deadline) {
          throw new XrplCallError(`the XRP Ledger server at ${this.serverShown} cannot be reached: ${describe(err)}`, undefined, undefined, { cause: err });
        }
        await sleep(100);
      }
    }
  }
}

/** The first line of an error's message. */
export function describe(err: unknown): string {
  const e = err as { message?: unknown } | null;
  return typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `p`, or a rejection naming `what` after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new XrplCallError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
