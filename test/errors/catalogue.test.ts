import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConnectorNotStartedError,
  ILP_ERROR_NAMES,
  InvalidArgumentError,
  NotFoundError,
  PeerNotFoundError,
  appError,
  catalogue,
  isAppError,
  type ErrorCode,
} from '../../src/errors/index.js';
import { LedgerError, LedgerInUseError, ledgerErrorCodes, type LedgerErrorCode } from '../../src/ledger/index.js';

const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');

/** The section of docs/errors.md under `### \`CODE\``, up to the next heading. */
function section(code: string): string | undefined {
  const start = docs.indexOf(`### \`${code}\``);
  if (start < 0) return undefined;
  const rest = docs.slice(start + 4);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('error catalogue', () => {
  const codes = Object.keys(catalogue) as ErrorCode[];

  it.each(codes)('%s is documented in docs/errors.md with its exit code and HTTP status', (code) => {
    const text = section(code);
    expect(text, `docs/errors.md has no "### \`${code}\`" section`).toBeDefined();
    const entry = catalogue[code];
    expect(text).toContain(`Exit code: ${entry.exitCode}`);
    if (entry.httpStatus !== undefined) expect(text).toContain(`HTTP: ${entry.httpStatus}`);
  });

  it.each(codes)('%s is documented with the catalogue message and suggestion', (code) => {
    const text = section(code) ?? '';
    const entry = catalogue[code];
    const asDoc = (t: string) => t.replace(/\{(\w+)\}/g, '<$1>');
    // the docs may say more after the catalogue's words, never something else
    expect(text).toContain(`- Message: ${asDoc(entry.message)}`);
    if (entry.suggestion !== undefined) expect(text).toContain(`- What to do: ${asDoc(entry.suggestion)}`);
  });

  it('documents every ILP reject code with its RFC 0027 name', () => {
    for (const [code, name] of Object.entries(ILP_ERROR_NAMES)) expect(docs).toContain(`| \`${code}\` | ${name} |`);
  });

  it('has every ledger error code in the catalogue, and a LedgerError is an AppError with its entry', () => {
    for (const code of Object.keys(ledgerErrorCodes) as LedgerErrorCode[]) {
      expect(codes).toContain(code);
      const e = new LedgerError(code, 'what happened');
      expect(isAppError(e)).toBe(true);
      expect([e.code, e.exitCode, e.suggestion]).toEqual([code, catalogue[code].exitCode, catalogue[code].suggestion]);
    }
    const inUse = new LedgerInUseError('/d');
    expect(inUse).toBeInstanceOf(AppError);
    expect(inUse.toJSON().error).toMatchObject({ code: 'LEDGER_IN_USE', details: { dataDir: '/d' } });
  });

  it("the node's library errors carry catalogue codes", () => {
    expect(new PeerNotFoundError('bob')).toMatchObject({ code: 'PEER_NOT_FOUND', httpStatus: 404, message: 'Peer not found: bob', peerId: 'bob' });
    expect(new InvalidArgumentError('id must match')).toMatchObject({ code: 'INVALID_ARGUMENT', httpStatus: 400, exitCode: 2 });
    expect(new ConnectorNotStartedError('stop')).toMatchObject({ code: 'NODE_NOT_STARTED', httpStatus: 503 });
  });

  it('documents no code that the catalogue lacks', () => {
    const documented = [...docs.matchAll(/^### `([A-Z_]+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...codes].sort());
  });

  it('has a message, an exit code of 1 or 2, and an error name for every HTTP status', () => {
    for (const code of codes) {
      const e = catalogue[code];
      expect(e.message.length).toBeGreaterThan(0);
      expect([1, 2]).toContain(e.exitCode);
      expect(e.httpStatus === undefined).toBe(e.httpError === undefined);
    }
  });

  it('appError fills the templates and carries exit code, HTTP status and details', () => {
    const e = appError('CHAIN_SDK_MISSING', { chain: 'xrpl', pkg: 'xrpl' });
    expect(e).toBeInstanceOf(AppError);
    expect(e.code).toBe('CHAIN_SDK_MISSING');
    expect(e.message).toBe('Settlement on xrpl needs the package xrpl, which is not installed');
    expect(e.suggestion).toBe('Install it next to agent-runtime: npm install xrpl');
    expect(e.exitCode).toBe(2);
    expect(e.details).toEqual({ chain: 'xrpl', pkg: 'xrpl' });

    const node = appError('NODE_UNREACHABLE', { url: 'http://127.0.0.1:8081' });
    expect(node.message).toBe('Cannot reach the node at http://127.0.0.1:8081');
    expect(node.suggestion).toMatch(/AGENT_RUNTIME_URL/);
    expect(node.exitCode).toBe(1);

    const peer = appError('PEER_NOT_FOUND', { peerId: 'bob' });
    expect([peer.httpStatus, peer.httpError, peer.message]).toEqual([404, 'NotFound', 'Peer not found: bob']);
  });

  it('keeps an unfilled placeholder visible and lets details override the message', () => {
    expect(appError('PEER_NOT_FOUND').message).toBe('Peer not found: {peerId}');
    const e = appError('INVALID_ARGUMENT', { message: 'amount must be digits', field: 'amount' });
    expect(e.message).toBe('amount must be digits');
    expect(e.details).toEqual({ field: 'amount' });
  });

  it('serialises for --json without losing bigint details', () => {
    const e = appError('LEDGER_UNBALANCED', { sum: 5n });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      error: {
        code: 'LEDGER_UNBALANCED',
        message: 'The ledger does not balance: accounts sum to 5',
        suggestion: catalogue.LEDGER_UNBALANCED.suggestion,
        details: { sum: '5' },
      },
    });
  });

  it('NotFoundError takes a not-found code or a plain message and is always a 404', () => {
    const coded = new NotFoundError('ROUTE_NOT_FOUND', { prefix: 'g.x' });
    expect([coded.code, coded.message, coded.httpStatus, coded.name]).toEqual(['ROUTE_NOT_FOUND', 'Route not found: g.x', 404, 'NotFoundError']);
    const plain = new NotFoundError('Peer not found: bob');
    expect([plain.code, plain.message, plain.httpStatus]).toEqual(['NOT_FOUND', 'Peer not found: bob', 404]);
    expect(NotFoundError.peer('carol').code).toBe('PEER_NOT_FOUND');
    expect(isAppError(plain)).toBe(true);
    expect(isAppError(new Error('x'))).toBe(false);
  });
});
