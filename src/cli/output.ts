/**
 * Output helpers: stdout carries results only (tables, one JSON document, NDJSON events); errors and
 * hints go to stderr. Writers look up `process.stdout` at call time so tests can capture them.
 */
import type { AppError } from '../errors/index.js';
import type { ConfigIssue } from '../config/index.js';

/** Writes one line to stdout. */
export function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Writes one line to stderr. */
export function err(line = ''): void {
  process.stderr.write(`${line}\n`);
}

/** Renders rows as an aligned text table with a header; an empty list renders `empty`. */
export function table<R extends object>(rows: readonly R[], columns: readonly { key: string; header: string }[], empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c.key])));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return '-';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.map(cell).join(',');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}

/** 3725 s → `1h 2m 5s`. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h ${m}m ${rest}s`;
  if (m > 0) return `${m}m ${rest}s`;
  return `${rest}s`;
}

/** Bytes as text when they are printable UTF-8, else base64 (marked). */
export function describeData(base64: string | undefined): string | undefined {
  if (base64 === undefined || base64 === '') return undefined;
  const buf = Buffer.from(base64, 'base64');
  const text = buf.toString('utf8');
  // eslint-disable-next-line no-control-regex -- control characters mean binary data, shown as base64
  const printable = Buffer.from(text, 'utf8').equals(buf) && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text);
  return printable ? text : `base64:${base64}`;
}

/**
 * One config issue as one line: `path: message (hint) [line L, column C]` (the config loader's format;
 * repeated here so that commands which never load a config do not load the schema).
 */
export function formatIssue(issue: ConfigIssue): string {
  const hint = issue.hint === undefined ? '' : ` (${issue.hint})`;
  const where = issue.line === undefined ? '' : ` [line ${issue.line}, column ${issue.column ?? 1}]`;
  return `${issue.path}: ${issue.message}${hint}${where}`;
}

/** The lines a failed command prints on stderr: the message with its code, the issues, then what to do. */
export function errorLines(e: AppError, issues?: readonly ConfigIssue[]): string[] {
  const lines = [`Error: ${e.message} [${e.code}]`];
  for (const issue of issues ?? []) lines.push(`  ${formatIssue(issue)}`);
  if (e.suggestion !== undefined) lines.push(`  Hint: ${e.suggestion}`);
  return lines;
}

/** The one JSON document a failed command prints with --json. */
export function errorJson(e: AppError, issues?: readonly ConfigIssue[]): Record<string, unknown> {
  const doc = e.toJSON();
  return { error: { ...doc.error, ...(issues === undefined ? {} : { issues }) } };
}
