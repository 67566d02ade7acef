/**
 * Reads a YAML config file into a plain tree, keeping positions so that every problem found later
 * can point at its line and column.
 */
import { type Node as YamlNode, LineCounter, parseDocument } from 'yaml';
import type { ConfigIssue } from './explain.js';

/** A parsed config file. */
export interface YamlConfig {
  /** The file's content as plain values (integers as bigint, so large amounts stay exact). */
  value: unknown;
  /** Syntax errors with their positions; when not empty, `value` is not usable. */
  issues: ConfigIssue[];
  /** YAML warnings (e.g. unknown tags), as text. */
  warnings: string[];
  /** The 1-based position of a key path in the file, if the file contains it. */
  locate: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

/** The first line of a yaml error message, without its "at line…" tail. */
function shortMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/** Parses YAML text. `file` names the file in issues. */
export function parseYamlConfig(text: string, file: string): YamlConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, intAsBigInt: true, merge: true, uniqueKeys: true });
  const locate: YamlConfig['locate'] = (path) => {
    const node = doc.getIn(path, true) as YamlNode | undefined;
    const offset = node?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const issues: ConfigIssue[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0];
    const issue: ConfigIssue = {
      path: pos === undefined ? file : `${file}:${pos.line}:${pos.col}`,
      message: `YAML syntax error: ${shortMessage(e.message)}`,
      hint: 'fix the YAML syntax (indentation, quoting, unique keys)',
    };
    if (pos !== undefined) [issue.line, issue.column] = [pos.line, pos.col];
    return issue;
  });
  if (issues.length > 0) return { value: undefined, issues, warnings: [], locate };
  const warnings = doc.warnings.map((w) => `${file}: ${shortMessage(w.message)}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { value: undefined, issues: [{ path: file, message: `YAML error: ${(err as Error).message}` }], warnings, locate };
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({
      path: file,
      message: 'the file must hold a mapping of config keys (key: value lines)',
      hint: 'start with e.g. `nodeId: my-agent`',
      line: 1,
      column: 1,
    });
  }
  return { value, issues, warnings, locate };
}
