/**
 * The cluster part of the dashboard (cluster instances only): what `/health` says of this instance,
 * read with the health about once a second. Lane leaders show when health names them (`lanes`:
 * settlement enabled in a cluster).
 */

/** The cluster fields of the node's health report the dashboard reads (others are ignored). */
export interface ClusterHealthInput {
  instanceId: string;
  session?: boolean;
  members?: readonly string[];
  dead?: readonly string[];
  leases?: readonly string[];
  /** each settlement lane (chain) and the instance leading it (null: none now) */
  lanes?: Readonly<Record<string, string | null>>;
}

/** What the header's cluster line shows. */
export interface ClusterView {
  readonly instanceId: string;
  /** false while the instance has no database session */
  readonly session: boolean;
  /** live instances, this one included */
  readonly members: number;
  readonly dead: number;
  /** peers whose link this instance holds, sorted */
  readonly leases: readonly string[];
  /** lane (chain) -> its leader, by lane; undefined: health names no lanes */
  readonly lanes?: readonly (readonly [string, string | null])[];
}

/** The health's cluster part as the dashboard keeps it (undefined: not a cluster instance). */
export function clusterView(c: ClusterHealthInput | undefined): ClusterView | undefined {
  if (c === undefined) return undefined;
  return {
    instanceId: c.instanceId,
    session: c.session !== false,
    members: c.members?.length ?? 1,
    dead: c.dead?.length ?? 0,
    leases: [...(c.leases ?? [])].sort(),
    ...(c.lanes === undefined ? {} : { lanes: Object.entries(c.lanes).sort(([a], [b]) => a.localeCompare(b)) }),
  };
}
