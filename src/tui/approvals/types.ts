/**
 * What the approvals pane needs: the sends waiting for approval and a way to decide one. The
 * dashboard never decides in-process: `admin-approvals.ts` goes through the node's admin API, so a
 * decision needs the approve scope exactly as `agent-runtime approvals approve` does.
 */

/** A send waiting for approval, as the pane shows it. */
export interface PendingApproval {
  readonly id: string;
  readonly destination: string;
  /** raw units of the node's asset, a decimal string */
  readonly amount: string;
  /** ms since the epoch */
  readonly createdAt: number;
}

/** The node's asset: approvals are local sends, always in it. */
export interface ApprovalAsset {
  readonly code: string;
  readonly scale: number;
}

export interface DashboardApprovals {
  readonly asset: ApprovalAsset;
  /** The pending approvals, oldest first (read about once a second). */
  list(): Promise<readonly PendingApproval[]>;
  /** Approves (sends) or denies one; resolves to a line saying how it ended, or rejects with why not. */
  decide(id: string, approve: boolean): Promise<string>;
}

/** `300` at scale 2 → `3.00`; the raw string when it is not an unsigned integer. */
export function decimalAmount(raw: string, scale: number): string {
  if (!/^\d+$/.test(raw) || scale <= 0) return raw;
  const digits = raw.padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The first 8 characters of an approval id (enough to tell them apart on screen). */
export const shortId = (id: string): string => id.slice(0, 8);
