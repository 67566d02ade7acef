/**
 * The explorer's approvals (docs/agents.md "Approvals"):
 *
 * - `GET /api/approvals`  the local sends waiting for a person (id, destination, amount, asked and
 *   expiry times), oldest first, with the agent's asset and whether this page may decide. Anyone who
 *   can open the explorer sees them (their `approval:*` events are in the stream anyway).
 * - `POST /api/approvals/:id {"decision": "approve" | "deny"}`  decides one, behind the same rule as
 *   the send form (gate.ts): `explorer.allowApprove`, never in production, and a key with the
 *   `approve` scope when the admin API has keys. Approving sends the payment and answers once it
 *   ended, with the approval and its outcome; denying releases its budget.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApprovalView } from '../../../agents/approvals.js';
import { appError } from '../../../errors/index.js';
import type { NodeApi } from '../node-api.js';
import { checkAction, needsKey, type ExplorerAction } from './gate.js';

/** What the explorer needs of the node's approval queue (agents/approvals.ts ApprovalQueue). */
export interface ExplorerApprovals {
  /** This node's approvals and, in a cluster, the other instances'. */
  listAll(): Promise<ApprovalView[]>;
  /** Approves (resolving once the payment ended) or denies; NOT_FOUND, CONFLICT when already decided. */
  decideAnywhere(id: string, approve: boolean, by: string): Promise<ApprovalView>;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100, description: 'an approval id' } },
} as const;

const decisionBody = {
  type: 'object',
  required: ['decision'],
  additionalProperties: false,
  properties: { decision: { type: 'string', enum: ['approve', 'deny'], description: '"approve" or "deny"' } },
} as const;

export function registerApprovalRoutes(app: FastifyInstance, node: NodeApi, approvals: ExplorerApprovals | undefined, approve: ExplorerAction): void {
  const deciders = new WeakMap<FastifyRequest, string>();
  app.get('/api/approvals', async () => {
    const all = approvals === undefined ? [] : await approvals.listAll();
    const pending = all
      .filter((a) => a.status === 'pending')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(({ id, destination, amount, createdAt, expiresAt }) => ({ id, destination, amount, createdAt, expiresAt }));
    const asset = node.accountAsset?.('agent');
    return { approveEnabled: approve.enabled, approveNeedsKey: needsKey(approve), ...(asset === undefined ? {} : { asset }), pending };
  });

  app.post<{ Params: { id: string }; Body: { decision: 'approve' | 'deny' } }>(
    '/api/approvals/:id',
    {
      schema: { params: idParams, body: decisionBody },
      // The gate runs before the body is read: a page without the right key learns nothing more.
      preValidation: (request, _reply, done) => {
        const checked = checkAction(approve, request);
        if ('error' in checked) {
          done(checked.error);
          return;
        }
        deciders.set(request, checked.caller.name);
        done(approvals === undefined ? appError('NOT_FOUND', { what: `Approval ${request.params.id}` }) : undefined);
      },
    },
    (request) => approvals!.decideAnywhere(request.params.id, request.body.decision === 'approve', deciders.get(request) ?? 'explorer'),
  );
}
