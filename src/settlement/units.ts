/**
 * Converts between the node's asset units (10^-assetScale of the asset) and a chain's base units
 * (10^-decimals of the token): base = asset × 10^(decimals − assetScale).
 *
 * When the chain is finer (decimals ≥ assetScale) every asset amount has an exact base amount, and a
 * base amount that is not a whole number of asset units rounds down. When the chain is coarser, an asset
 * amount rounds down to whole base units: the remainder (less than one base unit) stays owed in the
 * ledger and goes into the next claim. Both sides book `toAsset(cumulative)` differences, so their
 * ledgers agree however the cumulative amounts round.
 */
export class Units {
  private readonly factor: bigint;
  private readonly finer: boolean;

  /**
   * @param decimals the token's decimals (base units per token = 10^decimals)
   * @param assetScale the node's assetScale
   */
  constructor(
    readonly decimals: number,
    readonly assetScale: number,
  ) {
    this.finer = decimals >= assetScale;
    this.factor = 10n ** BigInt(Math.abs(decimals - assetScale));
  }

  /** Asset units → base units, rounded down. */
  toBase(asset: bigint): bigint {
    return this.finer ? asset * this.factor : asset / this.factor;
  }

  /** Base units → asset units, rounded down. */
  toAsset(base: bigint): bigint {
    return this.finer ? base / this.factor : base * this.factor;
  }

  /** True when `asset` converts to base units without a remainder. */
  exact(asset: bigint): boolean {
    return this.toAsset(this.toBase(asset)) === asset;
  }
}
