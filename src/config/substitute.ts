/**
 * What happens to a config file's values before validation: `${VAR}` references are replaced from
 * the environment, YAML integers become numbers where the key wants a number, and literal secrets
 * are noticed (a warning, never an error: the seed's examples use them).
 *
 * References: `${VAR}` (unset = an error naming the key and the variable), `${VAR:-fallback}`
 * (fallback when unset or empty), `${VAR-fallback}` (fallback when unset), `$${…}` for a literal
 * `${…}`. A value that contained a reference is coerced like an env value (`port: ${PORT}` is a number).
 */
import { type Env, coerce } from './env.js';
import { type ConfigIssue, valueAt } from './explain.js';
import { mapLeaves } from './introspect.js';
import { formatPath, peerSecretEnvName } from './names.js';
import { configSchema } from './schema.js';

const REFERENCE = /\$(\$)?\{([^}]*)(\})?/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?$/s;

/** Replaces the references in one string. */
export function substituteString(text: string, env: Env): { value: string; changed: boolean; missing: string[]; malformed: string[] } {
  const missing: string[] = [];
  const malformed: string[] = [];
  let changed = false;
  const value = text.replace(REFERENCE, (match: string, escape: string | undefined, body: string, close: string | undefined) => {
    changed = true;
    if (escape !== undefined) return match.slice(1);
    const ref = close === undefined ? null : BODY.exec(body);
    if (ref === null) {
      malformed.push(match);
      return match;
    }
    const [, name, op, fallback = ''] = ref;
    const v = env[name];
    if (op === ':-') return v === undefined || v === '' ? fallback : v;
    if (op === '-') return v === undefined ? fallback : v;
    if (v === undefined) {
      missing.push(name);
      return match;
    }
    return v;
  });
  return { value, changed, missing, malformed };
}

/**
 * Prepares a parsed YAML tree for the schema: substitutes references and turns bigints into
 * numbers except for amount keys. Returns a new tree and an issue per unresolved reference.
 */
export function prepareFileValues(tree: unknown, env: Env): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const value = mapLeaves(tree, configSchema, (leaf, path, schema) => {
    let v = leaf;
    if (typeof v === 'string' && v.includes('${')) {
      const s = substituteString(v, env);
      for (const name of s.missing) {
        issues.push({
          path: formatPath(path),
          message: `references \${${name}}, which is not set`,
          hint: `set ${name} in the environment or in .env, or give a fallback: \${${name}:-value}`,
        });
      }
      for (const ref of s.malformed) {
        issues.push({
          path: formatPath(path),
          message: `has a malformed reference ${ref}`,
          hint: 'write ${NAME} or ${NAME:-fallback}; write $${ for a literal ${',
        });
      }
      v = s.changed ? coerce(s.value, schema?.kind) : s.value;
    }
    if (typeof v === 'bigint' && schema?.kind !== 'amount' && Number.isSafeInteger(Number(v))) v = Number(v);
    return v;
  });
  return { value, issues };
}

/** A warning for every secret written literally in a file (not as a `${VAR}` reference). */
export function literalSecretWarnings(tree: unknown, file: string): string[] {
  const warnings: string[] = [];
  mapLeaves(tree, configSchema, (leaf, path, schema) => {
    if (schema?.meta.secret !== true || typeof leaf !== 'string' || leaf.includes('${')) return leaf;
    let env = schema.meta.env ?? 'an environment variable';
    if (path[0] === 'peers') {
      const id = valueAt(tree, ['peers', path[1], 'id']);
      env = typeof id === 'string' ? peerSecretEnvName(id) : env;
      // an HTTP peer's tokens: a variable of its own for each (read only through the ${VAR} reference)
      if (path[2] === 'http') env = `${env.replace(/_SECRET$/, '').replace(/^BTP_/, 'HTTP_')}_${path[3] === 'incomingToken' ? 'INCOMING' : 'OUTGOING'}_TOKEN`;
    }
    warnings.push(
      `${formatPath(path)}: a literal secret in ${file}; move it to the environment or .env as ${env} and write \${${env}} (or drop the key)`,
    );
    return leaf;
  });
  return warnings;
}
