/**
 * The examples/business-logic-typescript server, run as its README says (`node --import tsx …/server.ts`
 * from the repo root), answering the node's HTTP delivery client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { handlePayment } from '../../../examples/business-logic-typescript/server.js';
import { createHttpDeliveryClient } from '../../../src/node/delivery/http-client.js';
import { adaptPaymentResponse } from '../../../src/node/delivery/payment-adapter.js';
import type { PaymentRequest } from '../../../src/node/types.js';

const root = join(import.meta.dirname, '..', '..', '..');
const logger = pino({ level: 'silent' });
let child: ChildProcess | undefined;

afterEach(async () => {
  const c = child;
  child = undefined;
  if (c && c.exitCode === null) {
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  }
});

/** Starts server.ts on a free port; resolves with its URL once it prints that it listens. */
async function startExample(env: Record<string, string>): Promise<{ url: string; output: () => string }> {
  const c = spawn(process.execPath, ['--import', 'tsx', 'examples/business-logic-typescript/server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = c;
  let out = '';
  c.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    c.once('exit', (code) => reject(new Error(`server.ts exited with ${code}: ${out}`)));
  });
  return { url, output: () => out };
}

function payment(amount: string, message: string): PaymentRequest {
  return {
    paymentId: 'p1',
    destination: 'g.my-agent',
    amount,
    expiresAt: new Date(Date.now() + 10_000).toISOString(),
    data: Buffer.from(message).toString('base64'),
  };
}

describe('examples/business-logic-typescript/server.ts', () => {
  it('runs from the repo root, honours PORT and MINIMUM_PAYMENT, accepts and rejects', async () => {
    const { url, output } = await startExample({ MINIMUM_PAYMENT: '500' });
    const client = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger });

    const accepted = await client.deliver(payment('500', 'hello agent'));
    expect(accepted).toEqual({ accept: true, data: Buffer.from('thanks for 500').toString('base64') });
    await expect.poll(output).toMatch(/Received 500 to g\.my-agent with message: "hello agent"/);

    const rejected = await client.deliver(payment('499', 'too cheap'));
    expect(rejected).toEqual({ accept: false, rejectReason: { code: 'invalid_amount', message: 'Pay at least 500' } });
    if ('error' in rejected) throw new Error('unexpected delivery error');
    expect(adaptPaymentResponse(rejected, Buffer.from('too cheap'))).toMatchObject({ reject: { code: 'F03', message: 'Pay at least 500' } });
  });

  it('requires the bearer token when LOCAL_DELIVERY_AUTH_TOKEN is set (a 401 becomes T00)', async () => {
    const { url } = await startExample({ LOCAL_DELIVERY_AUTH_TOKEN: 'tok' });
    const without = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger });
    expect(await without.deliver(payment('1000', 'x'))).toEqual({ error: { code: 'T00', message: 'Business logic server returned status 401' } });
    const withToken = createHttpDeliveryClient({ handlerUrl: url, timeoutMs: 5000, logger, authToken: 'tok' });
    expect(await withToken.deliver(payment('1000', 'x'))).toMatchObject({ accept: true });
  });

  it('handlePayment compares amounts as bigints', () => {
    const lines: string[] = [];
    const big = '18446744073709551615';
    expect(handlePayment({ ...payment(big, 'm'), amount: big }, 18446744073709551615n, (l) => lines.push(l)).accept).toBe(true);
    expect(handlePayment({ ...payment('18446744073709551614', 'm') }, 18446744073709551615n).accept).toBe(false);
    expect(lines).toHaveLength(1);
  });
});
