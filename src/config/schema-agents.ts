/**
 * Config schemas for agents (issue 22): scoped admin keys (`adminApi.keys`) and spend policies
 * (`policies`). The node schema (schema.ts) imports them; the admin API validates `PUT /admin/policies`
 * bodies with `policySchema` too, so a policy has one definition.
 */
import { z } from 'zod';
import { ILP_PREFIX_PATTERN, MAX_UINT64, amountField, idField, key, positiveInt, secretField } from './fields.js';

/** Admin key scopes. `admin` includes the three others. */
export const SCOPES = ['read', 'send', 'approve', 'admin'] as const;
/** One admin key scope. */
export type Scope = (typeof SCOPES)[number];

/** Budget window lengths; a month is 30 days. */
export const WINDOWS = ['minute', 'hour', 'day', 'month'] as const;
/** One budget window name. */
export type Window = (typeof WINDOWS)[number];

const adminKeySchema = z.strictObject({
  name: key(idField(), { description: 'Name of the key, shown in logs and approvals (who approved).' }),
  key: key(secretField().min(16, 'must be at least 16 characters'), {
    description: 'The X-Api-Key value (use a ${VAR} reference, not a literal, in a file).',
    secret: true,
  }),
  scopes: key(z.array(z.enum(SCOPES)).min(1, 'must name at least one scope'), {
    type: 'list of read | send | approve | admin',
    description: 'What the key may do: read (GET), send (payments), approve (approvals), admin (everything).',
  }),
});

/** `adminApi.keys`: scoped keys beside the all-powerful `apiKey`. */
export function adminKeysField() {
  return z
    .array(adminKeySchema)
    .superRefine((keys, ctx) => {
      const names = new Set<string>();
      const values = new Set<string>();
      keys.forEach((k, i) => {
        if (names.has(k.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate key name '${k.name}'` });
        if (values.has(k.key)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'two keys have the same value', params: { hint: 'give each key its own secret' } });
        names.add(k.name);
        values.add(k.key);
      });
    })
    .optional();
}

const amount = (min: bigint, minMessage: string) => amountField({ min, max: MAX_UINT64, minMessage });

const prefixList = () =>
  z.array(z.string().regex(ILP_PREFIX_PATTERN, 'must be an ILP address prefix such as g.bob or g'));

const budgetSchema = z.strictObject({
  amount: key(amount(1n, 'must be at least 1'), {
    kind: 'amount',
    type: 'amount (asset units)',
    description: 'Most that may be spent within the window (raw units of the asset).',
  }),
  per: key(z.enum(WINDOWS), { description: 'The sliding window: minute, hour, day or month (30 days).' }),
});

const policyShape = {
  maxPerPayment: key(amount(1n, 'must be at least 1').optional(), {
    kind: 'amount',
    type: 'amount (asset units)',
    description: 'Largest single payment (a Prepare for a peer, a send for the local agent); larger ones get F08.',
  }),
  budgets: z.array(budgetSchema).default([]),
  allowedPrefixes: key(prefixList().optional(), {
    type: 'ILP prefix list',
    description: 'When set, only destinations under one of these prefixes may be paid (F02 otherwise).',
  }),
  deniedPrefixes: key(prefixList().default([]), {
    type: 'ILP prefix list',
    description: 'Destinations under these prefixes are never paid (F02); wins over allowedPrefixes.',
  }),
};

/** A peer's policy (no approvals: a peer's Prepare cannot wait for a person). */
export const peerPolicySchema = z.strictObject(policyShape);

/** The local agent's policy: a peer's, plus an approval line. */
export const localPolicySchema = z.strictObject({
  ...policyShape,
  approvalAbove: key(amount(0n, 'must not be negative').optional(), {
    kind: 'amount',
    type: 'amount (asset units)',
    description: 'A local send above this waits for approval (POST /admin/approvals/:id) before any Prepare is made.',
  }),
  approvalTimeoutMs: key(positiveInt(300_000), { description: 'How long a send waits for approval before it is denied (ms).' }),
  maxPendingApprovals: key(positiveInt(100), { description: 'Most sends waiting for approval at once; more are refused.' }),
});

/** `policies`: spend limits for the local agent and per peer. */
export const policiesSchema = z.strictObject({
  local: localPolicySchema.optional(),
  peers: key(z.record(idField(), peerPolicySchema).default({}), {
    type: 'map of peer id to policy',
    default: '{}',
    description: 'Per-peer policies (for child peers: each Prepare is a payment), keyed by peer id.',
  }),
});

/** A resolved local policy. */
export type LocalPolicy = z.output<typeof localPolicySchema>;
/** A resolved peer policy. */
export type PeerPolicy = z.output<typeof peerPolicySchema>;
/** The resolved `policies` section. */
export type PoliciesConfig = z.output<typeof policiesSchema>;
/** An admin key as configured. */
export type AdminKeyConfig = z.output<typeof adminKeySchema>;

/** True when any policy is configured (then every admin request needs a key). */
export function hasPolicies(p: PoliciesConfig | undefined): boolean {
  return p !== undefined && (p.local !== undefined || Object.keys(p.peers).length > 0);
}

/** What the agents rule needs of the whole config. */
interface AgentRuleInput {
  adminApi: { enabled: boolean; apiKey?: string; keys?: readonly unknown[] };
  policies: PoliciesConfig;
}

/** True when the admin API has at least one key (apiKey or a scoped key). */
export function adminHasKeys(a: AgentRuleInput['adminApi']): boolean {
  return a.apiKey !== undefined || (a.keys ?? []).length > 0;
}

/**
 * A node with policies needs keys on every admin request, loopback included: otherwise any local
 * process (the agent itself) could lift its own limits with `PUT /admin/policies`.
 */
export function checkAgentRules(c: AgentRuleInput, ctx: z.RefinementCtx<unknown>): void {
  if (!hasPolicies(c.policies) || !c.adminApi.enabled || adminHasKeys(c.adminApi)) return;
  ctx.addIssue({
    code: 'custom',
    path: ['adminApi', 'keys'],
    message: 'are required when policies are configured (an admin API without keys would let the agent change its own limits)',
    params: {
      hint: 'set adminApi.apiKey (AGENT_RUNTIME_API_KEY) for the operator and give the agent a key with scopes [send, read]',
      keys: ['adminApi.keys', 'adminApi.apiKey', 'policies'],
    },
  });
}
