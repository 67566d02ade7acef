/**
 * The demo: a small real network in one process. Three ConnectorNodes on loopback ephemeral ports:
 * `hub` is the parent of `alice` and `bob`, which learn their addresses (g.hub.alice, g.hub.bob) from
 * it by ILDCP. Alice's agent pays Bob's agent a message on a timer; Bob's handler answers each one.
 * Every packet crosses the hub, which keeps its fee (10 bps by default).
 *
 * Extension points (settlement is added here later): `DemoExtension.config` adjusts each node's config
 * before it is built, `afterStart` runs once all three are up, `beforeStop` before they stop.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { NodeConfigInput } from '../config/index.js';
import { ConnectorNode } from '../node/connector-node.js';
import { computeConditionFromData } from '../node/delivery/payment-adapter.js';
import { IlpPacketType } from '../node/ilp/packet.js';

/** The three roles. */
export type DemoRole = 'hub' | 'alice' | 'bob';

/** Hooks for later features (settlement, channels) to join the demo. */
export interface DemoExtension {
  /** Returns the config to use for a role (called before each node is built). */
  config?(role: DemoRole, config: NodeConfigInput): NodeConfigInput;
  afterStart?(net: DemoNetwork): Promise<void>;
  beforeStop?(net: DemoNetwork): Promise<void>;
}

export interface DemoOptions {
  /** A private directory for the three data directories (the caller removes it). */
  baseDir: string;
  logger: Logger;
  /** ms between Alice's payments (default 200). */
  intervalMs?: number;
  /** Amount of each payment, in asset units (default 1000). */
  amount?: bigint;
  extensions?: DemoExtension[];
}

/** Counters of Alice's payments. */
export interface DemoTotals {
  sent: number;
  fulfilled: number;
  rejected: number;
}

/** How far each child may owe the hub, and the hub each child: enough for a long demo. */
const DEMO_CREDIT = '1000000000000000';

export class DemoNetwork {
  readonly hub: ConnectorNode;
  alice: ConnectorNode | undefined;
  bob: ConnectorNode | undefined;
  readonly totals: DemoTotals = { sent: 0, fulfilled: 0, rejected: 0 };
  private readonly secrets = { alice: randomBytes(32).toString('hex'), bob: randomBytes(32).toString('hex') };
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: DemoOptions) {
    this.hub = this.build('hub', {
      nodeId: 'hub',
      ilpAddress: 'g.hub',
      peers: (['alice', 'bob'] as const).map((id) => ({ id, relation: 'child' as const, authToken: this.secrets[id], creditLimit: DEMO_CREDIT })),
    });
  }

  /** Starts the hub, then the children (which dial it), then Bob's handler and Alice's timer. */
  async start(): Promise<void> {
    await this.hub.start();
    const url = `ws://127.0.0.1:${this.hub.btpPort}`;
    const child = (id: 'alice' | 'bob') =>
      this.build(id, { nodeId: id, peers: [{ id: 'hub', relation: 'parent', url, authToken: this.secrets[id], creditLimit: DEMO_CREDIT }] });
    this.alice = child('alice');
    this.bob = child('bob');
    this.bob.setPacketHandler((request) => {
      const text = request.data ? Buffer.from(request.data, 'base64').toString('utf8') : '';
      return { accept: true, data: Buffer.from(`bob got "${text}" with ${request.amount}`).toString('base64') };
    });
    await Promise.all([this.alice.start(), this.bob.start()]);
    for (const ext of this.o.extensions ?? []) await ext.afterStart?.(this);
    this.timer = setInterval(() => this.pay(), this.o.intervalMs ?? 200);
  }

  /** Stops the timer, lets Alice's payments finish, then stops the three nodes. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      for (const ext of this.o.extensions ?? []) await ext.beforeStop?.(this).catch(() => undefined);
      await Promise.all(this.inFlight);
      // The hub first, so its node:stopping is the stream's first word on the shutdown.
      await Promise.all([this.hub.stop(), this.alice?.stop(), this.bob?.stop()]);
    })();
    return this.stopping;
  }

  /** One paid message from Alice to Bob. */
  private pay(): void {
    const alice = this.alice;
    const bob = this.bob;
    if (!alice?.isStarted || !bob?.isStarted) return;
    const n = ++this.totals.sent;
    const data = Buffer.from(`message #${n} from alice`);
    const p = alice
      .sendPacket({
        destination: bob.ilpAddress,
        amount: this.o.amount ?? 1000n,
        executionCondition: computeConditionFromData(data).condition,
        expiresAt: new Date(Date.now() + 10_000),
        data,
      })
      .then((r) => {
        if (r.type === IlpPacketType.Fulfill) this.totals.fulfilled++;
        else this.totals.rejected++;
      })
      .catch((e: unknown) => {
        this.totals.rejected++;
        this.o.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'demo payment failed');
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private build(role: DemoRole, base: NodeConfigInput): ConnectorNode {
    let config: NodeConfigInput = { ...base, adminApi: { enabled: true } };
    for (const ext of this.o.extensions ?? []) config = ext.config?.(role, config) ?? config;
    // Overrides win over the environment and a .env in the cwd: the demo never takes a real node's ports or data.
    const overrides = { btpServerPort: 0, healthCheckPort: 0, 'adminApi.port': 0, 'explorer.port': 0, dataDir: join(this.o.baseDir, role) };
    return new ConnectorNode(config, this.o.logger.child({ demo: role }), { overrides });
  }
}
