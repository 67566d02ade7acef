import { duration, grouped } from '../../format.js';
import type { ApprovalAsset, PendingApproval } from '../../approvals/types.js';
import { decimalAmount, shortId } from '../../approvals/types.js';
import { SPACE, col, seg, type Segment } from '../line/segments.js';

/** Column widths of the approvals pane at a given total width (the destination takes what is left). */
export function approvalColumns(width: number) {
  const fixed = { mark: 1, amount: width >= 100 ? 20 : 16, age: 7, id: 8 };
  return { ...fixed, destination: Math.max(6, width - fixed.mark - fixed.amount - fixed.age - fixed.id - 4) };
}

/** `1,234.50 USD`: the amount with the asset's decimals and code. */
export function approvalAmount(raw: string, asset: ApprovalAsset): string {
  const dec = decimalAmount(raw, asset.scale);
  const [whole, frac] = dec.split('.');
  const w = /^\d+$/.test(whole) ? grouped(BigInt(whole)) : whole;
  return `${frac === undefined ? w : `${w}.${frac}`} ${asset.code}`;
}

/** marker (the selected row), amount and asset, destination, age, id. */
export function approvalSegments(a: Readonly<PendingApproval>, asset: ApprovalAsset, width: number, now: number, selected: boolean): Segment[] {
  const c = approvalColumns(width);
  return [
    seg(selected ? '›' : ' ', { color: 'cyan', bold: true }),
    SPACE,
    col(approvalAmount(a.amount, asset), c.amount, { align: 'right', color: 'yellow', inverse: selected }),
    SPACE,
    col(a.destination, c.destination),
    SPACE,
    col(duration((now - a.createdAt) / 1000), c.age, { align: 'right', dim: true }),
    SPACE,
    col(shortId(a.id), c.id, { dim: true }),
  ];
}
