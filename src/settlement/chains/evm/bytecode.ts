/**
 * Which shipped TokenNetwork a deployed contract is. A contract's runtime bytecode differs between
 * deployments only in its immutables (the token, the chain id and the contract's own address baked in
 * by the constructor) and in the compiler's metadata trailer (a CBOR hash of the source's metadata,
 * which a recompile with other comments changes). `fingerprint` zeroes the immutables at the offsets
 * the compiler reported for that version, strips the trailer, and hashes the rest (sha256).
 *
 * `contracts/versions.json` lists every version this package has shipped, newest last; it is
 * append-only: a contract change adds an entry (test/contracts/versions.test.ts fails until it does).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One shipped contract version. */
export interface ShippedVersion {
  /** Our version name (1, 2, ...). */
  version: string;
  /** The package version that first shipped it. */
  since: string;
  /** sha256 (hex) of the runtime bytecode with immutables zeroed and the metadata trailer stripped. */
  runtimeSha256: string;
  /** Byte ranges of the immutables in the runtime bytecode, [start, length]. */
  immutables: [number, number][];
  /** Runtime bytecode length in bytes, trailer included. */
  length: number;
  compiler: string;
}

interface VersionsFile {
  TokenNetwork: ShippedVersion[];
}

let cached: ShippedVersion[] | undefined;

/** Every TokenNetwork version shipped, oldest first. */
export function shippedVersions(): readonly ShippedVersion[] {
  if (cached === undefined) {
    const url = new URL('../../../../contracts/versions.json', import.meta.url);
    cached = (JSON.parse(readFileSync(url, 'utf8')) as VersionsFile).TokenNetwork;
  }
  return cached;
}

/** The bytes of a 0x-prefixed (or bare) hex string. */
function bytes(hex: string): Buffer {
  return Buffer.from(hex.startsWith('0x') ? hex.slice(2) : hex, 'hex');
}

/**
 * The code without solc's metadata trailer: the last two bytes give the length of the CBOR map before
 * them. Code whose trailer length does not fit is returned whole (it then matches nothing shipped).
 */
export function stripMetadata(code: Buffer): Buffer {
  if (code.length < 2) return code;
  const cbor = code.readUInt16BE(code.length - 2);
  return cbor + 2 > code.length ? code : code.subarray(0, code.length - cbor - 2);
}

/** sha256 (hex) of `codeHex` with `immutables` zeroed and the metadata trailer stripped. */
export function fingerprint(codeHex: string, immutables: readonly (readonly [number, number])[]): string {
  const code = Buffer.from(bytes(codeHex));
  for (const [start, length] of immutables) if (start + length <= code.length) code.fill(0, start, start + length);
  return createHash('sha256').update(stripMetadata(code)).digest('hex');
}

/** The shipped version whose runtime `codeHex` is (the code an RPC's eth_getCode returns), or undefined. */
export function matchShipped(codeHex: string): ShippedVersion | undefined {
  const length = bytes(codeHex).length;
  return shippedVersions().find((v) => v.length === length && fingerprint(codeHex, v.immutables) === v.runtimeSha256);
}
