/**
 * The approvals the pane shows, re-read about once a second and right after a decision, and the
 * last decision's line (or why it failed). Nothing here runs without a `DashboardApprovals`.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DashboardApprovals, PendingApproval } from './types.js';
import { shortId } from './types.js';

export interface ApprovalsState {
  readonly rows: readonly PendingApproval[];
  /** the last decision or error, shown on the pane's title */
  readonly note?: string;
  /** approves or denies the approval with this id (ignored while another decision runs) */
  readonly decide: (id: string, approve: boolean) => void;
}

const sameRows = (a: readonly PendingApproval[], b: readonly PendingApproval[]) => a.length === b.length && a.every((r, i) => r.id === b[i].id);

export function useApprovals(approvals: DashboardApprovals | undefined, intervalMs = 1000): ApprovalsState {
  const [rows, setRows] = useState<readonly PendingApproval[]>([]);
  const [note, setNote] = useState<string | undefined>();
  const live = useRef(true);
  const busy = useRef(false);

  const refresh = useCallback(async () => {
    if (approvals === undefined) return;
    try {
      const next = await approvals.list();
      if (live.current) setRows((prev) => (sameRows(prev, next) ? prev : next));
    } catch (e) {
      if (live.current) setNote(`cannot list approvals: ${e instanceof Error ? e.message : String(e)}`);
    }
  }, [approvals]);

  useEffect(() => {
    live.current = true;
    if (approvals === undefined) return;
    void refresh();
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => {
      live.current = false;
      clearInterval(timer);
    };
  }, [approvals, intervalMs, refresh]);

  const decide = useCallback(
    (id: string, approve: boolean) => {
      if (approvals === undefined || busy.current) return;
      busy.current = true;
      setNote(`${approve ? 'approving' : 'denying'} ${shortId(id)}…`);
      approvals
        .decide(id, approve)
        .then(
          (line) => live.current && setNote(line),
          (e: unknown) => live.current && setNote(`could not ${approve ? 'approve' : 'deny'} ${shortId(id)}: ${e instanceof Error ? e.message : String(e)}`),
        )
        .finally(() => {
          busy.current = false;
          void refresh();
        });
    },
    [approvals, refresh],
  );

  return { rows, note, decide };
}
