/**
 * CCP, the connector-to-connector route protocol of ilp-connector (no RFC; the reference is the npm
 * package `ilp-protocol-ccp`, which ilp-connector 23 uses). Both messages ride in the data of a
 * zero-amount Prepare whose condition is the peer-protocol condition (sha256 of 32 zero bytes); the
 * answer is a Fulfill with the zero fulfillment and empty data.
 *
 * - `peer.route.control`: the receiver tells a speaker its mode (IDLE | SYNC) and the last routing
 *   table id and epoch it knows: OER { mode UInt8, tableId 16 bytes, epoch UInt32, features
 *   SEQUENCE OF var-octet UTF-8 }.
 * - `peer.route.update`: the speaker sends the table changes from one epoch to another:
 *   OER { tableId 16 bytes, currentEpoch UInt32, fromEpoch UInt32, toEpoch UInt32, holdDownTime
 *   UInt32 (ms), speaker var-octet ASCII, newRoutes SEQUENCE OF { prefix var-octet ASCII, path
 *   SEQUENCE OF var-octet ASCII, auth 32 bytes, props SEQUENCE OF { meta UInt8, id UInt16, value
 *   var-octet } }, withdrawnRoutes SEQUENCE OF var-octet ASCII }.
 */
import { isUtf8 } from 'node:buffer';
import { CodecError } from './errors.js';
import { ILDCP_CONDITION, ILDCP_FULFILLMENT } from './ildcp.js';
import { OerReader, varUIntSize, writeLengthPrefix, writeVarUInt, lengthPrefixSize } from './oer.js';
import { MAX_DATA_LENGTH, serializeFulfill, serializePrepare } from './packet.js';

export const CCP_CONTROL_DESTINATION = 'peer.route.control';
export const CCP_UPDATE_DESTINATION = 'peer.route.update';
/** The peer-protocol fulfillment (32 zero bytes) and its condition, shared with ILDCP. */
export const CCP_FULFILLMENT = ILDCP_FULFILLMENT;
export const CCP_CONDITION = ILDCP_CONDITION;
/** Lifetime of a CCP Prepare, in ms (what ilp-protocol-ccp uses). */
export const CCP_EXPIRY_MS = 60_000;

export const CcpMode = { Idle: 0, Sync: 1 } as const;
export type CcpMode = (typeof CcpMode)[keyof typeof CcpMode];

export interface CcpRouteControl {
  mode: CcpMode;
  /** UUID text, 8-4-4-4-12 lowercase hex */
  lastKnownRoutingTableId: string;
  lastKnownEpoch: number;
  features: string[];
}

/** A route property (ilp-connector sends none; decoded and re-encoded for completeness). */
export interface CcpRouteProp {
  isOptional: boolean;
  isTransitive: boolean;
  isPartial: boolean;
  isUtf8: boolean;
  id: number;
  value: Buffer;
}

export interface CcpRoute {
  prefix: string;
  /** the ILP addresses of the connectors the route passes, nearest first */
  path: string[];
  /** 32 bytes: the speaker's hash chain over its routing secret */
  auth: Buffer;
  props: CcpRouteProp[];
}

export interface CcpRouteUpdate {
  routingTableId: string;
  currentEpochIndex: number;
  fromEpochIndex: number;
  toEpochIndex: number;
  /** ms the receiver keeps the speaker's routes without hearing from it */
  holdDownTime: number;
  /** the speaker's ILP address */
  speaker: string;
  newRoutes: CcpRoute[];
  withdrawnRoutes: string[];
}

/** The all-zero routing table id a receiver reports before it heard from a speaker. */
export const NO_ROUTING_TABLE = '00000000-0000-0000-0000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_STRING = 1023;

/** Collects the encoded parts; CCP messages are rare and small, so clarity beats one allocation. */
class Writer {
  private readonly parts: Buffer[] = [];
  uint8(n: number): void {
    this.parts.push(Buffer.from([n]));
  }
  uint16(n: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    this.parts.push(b);
  }
  uint32(n: number, field: string): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new CodecError(`${field}: not a UInt32`);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    this.parts.push(b);
  }
  varUInt(n: number): void {
    const b = Buffer.alloc(varUIntSize(n));
    writeVarUInt(b, 0, n);
    this.parts.push(b);
  }
  octets(b: Buffer): void {
    this.parts.push(b);
  }
  varOctets(v: Buffer): void {
    const b = Buffer.alloc(lengthPrefixSize(v.length));
    writeLengthPrefix(b, 0, v.length);
    this.parts.push(b, v);
  }
  ascii(s: string, field: string): void {
    if (typeof s !== 'string' || !/^[\x20-\x7e]*$/.test(s) || s.length > MAX_STRING) throw new CodecError(`${field}: not a printable ASCII string of at most ${MAX_STRING} bytes`);
    this.varOctets(Buffer.from(s, 'ascii'));
  }
  uuid(id: string, field: string): void {
    if (typeof id !== 'string' || !UUID.test(id)) throw new CodecError(`${field}: not a UUID`);
    this.parts.push(Buffer.from(id.replace(/-/g, ''), 'hex'));
  }
  done(): Buffer {
    const out = Buffer.concat(this.parts);
    if (out.length > MAX_DATA_LENGTH) throw new CodecError(`ccp: ${out.length} bytes exceeds the ${MAX_DATA_LENGTH} bytes of a Prepare's data`);
    return out;
  }
}

function readUuid(r: OerReader, field: string): string {
  return r.octets(16, field).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

function readAscii(r: OerReader, field: string): string {
  const b = r.varOctetString(field, MAX_STRING);
  for (const c of b) if (c < 0x20 || c > 0x7e) throw new CodecError(`${field}: not printable ASCII`);
  return b.toString('ascii');
}

function readUInt16(r: OerReader, field: string): number {
  const b = r.octets(2, field);
  return b.readUInt16BE(0);
}

/** The data of a `peer.route.control` Prepare. */
export function serializeCcpRouteControlPayload(c: CcpRouteControl): Buffer {
  if (c.mode !== CcpMode.Idle && c.mode !== CcpMode.Sync) throw new CodecError('ccp.mode: must be 0 (IDLE) or 1 (SYNC)');
  const w = new Writer();
  w.uint8(c.mode);
  w.uuid(c.lastKnownRoutingTableId, 'ccp.lastKnownRoutingTableId');
  w.uint32(c.lastKnownEpoch, 'ccp.lastKnownEpoch');
  w.varUInt(c.features.length);
  for (const f of c.features) w.varOctets(Buffer.from(f, 'utf8'));
  return w.done();
}

export function deserializeCcpRouteControlPayload(data: Buffer): CcpRouteControl {
  const r = new OerReader(data, 0, data.length);
  const mode = r.uint8('ccp.mode');
  if (mode !== CcpMode.Idle && mode !== CcpMode.Sync) throw new CodecError(`ccp.mode: ${mode} is neither IDLE (0) nor SYNC (1)`);
  const lastKnownRoutingTableId = readUuid(r, 'ccp.lastKnownRoutingTableId');
  const lastKnownEpoch = r.uint32('ccp.lastKnownEpoch');
  const count = r.varUInt('ccp.features');
  const features: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = r.varOctetString(`ccp.features[${i}]`, MAX_STRING);
    if (!isUtf8(f)) throw new CodecError(`ccp.features[${i}]: invalid UTF-8`);
    features.push(f.toString('utf8'));
  }
  r.assertEnd('ccp.control');
  return { mode, lastKnownRoutingTableId, lastKnownEpoch, features };
}

/** The data of a `peer.route.update` Prepare. */
export function serializeCcpRouteUpdatePayload(u: CcpRouteUpdate): Buffer {
  const w = new Writer();
  w.uuid(u.routingTableId, 'ccp.routingTableId');
  w.uint32(u.currentEpochIndex, 'ccp.currentEpochIndex');
  w.uint32(u.fromEpochIndex, 'ccp.fromEpochIndex');
  w.uint32(u.toEpochIndex, 'ccp.toEpochIndex');
  w.uint32(u.holdDownTime, 'ccp.holdDownTime');
  w.ascii(u.speaker, 'ccp.speaker');
  w.varUInt(u.newRoutes.length);
  u.newRoutes.forEach((route, i) => {
    const f = `ccp.newRoutes[${i}]`;
    w.ascii(route.prefix, `${f}.prefix`);
    w.varUInt(route.path.length);
    route.path.forEach((hop, j) => w.ascii(hop, `${f}.path[${j}]`));
    if (!Buffer.isBuffer(route.auth) || route.auth.length !== 32) throw new CodecError(`${f}.auth: must be 32 bytes`);
    w.octets(route.auth);
    w.varUInt(route.props.length);
    for (const prop of route.props) {
      // the reference encoder: transitive is only meaningful when optional, partial only when transitive; required props are transitive
      let meta = 0;
      if (prop.isOptional) {
        meta |= 0x80;
        if (prop.isTransitive) meta |= 0x40 | (prop.isPartial ? 0x20 : 0);
      } else meta |= 0x40;
      if (prop.isUtf8) meta |= 0x10;
      w.uint8(meta);
      w.uint16(prop.id);
      w.varOctets(prop.value);
    }
  });
  w.varUInt(u.withdrawnRoutes.length);
  u.withdrawnRoutes.forEach((p, i) => w.ascii(p, `ccp.withdrawnRoutes[${i}]`));
  return w.done();
}

export function deserializeCcpRouteUpdatePayload(data: Buffer): CcpRouteUpdate {
  const r = new OerReader(data, 0, data.length);
  const routingTableId = readUuid(r, 'ccp.routingTableId');
  const currentEpochIndex = r.uint32('ccp.currentEpochIndex');
  const fromEpochIndex = r.uint32('ccp.fromEpochIndex');
  const toEpochIndex = r.uint32('ccp.toEpochIndex');
  const holdDownTime = r.uint32('ccp.holdDownTime');
  const speaker = readAscii(r, 'ccp.speaker');
  const newCount = r.varUInt('ccp.newRoutes');
  const newRoutes: CcpRoute[] = [];
  for (let i = 0; i < newCount; i++) {
    const f = `ccp.newRoutes[${i}]`;
    const prefix = readAscii(r, `${f}.prefix`);
    const pathLength = r.varUInt(`${f}.path`);
    const path: string[] = [];
    for (let j = 0; j < pathLength; j++) path.push(readAscii(r, `${f}.path[${j}]`));
    const auth = Buffer.from(r.octets(32, `${f}.auth`));
    const propCount = r.varUInt(`${f}.props`);
    const props: CcpRouteProp[] = [];
    for (let j = 0; j < propCount; j++) {
      const meta = r.uint8(`${f}.props[${j}].meta`);
      const id = readUInt16(r, `${f}.props[${j}].id`);
      const value = Buffer.from(r.varOctetString(`${f}.props[${j}].value`, data.length));
      props.push({ isOptional: (meta & 0x80) !== 0, isTransitive: (meta & 0x40) !== 0, isPartial: (meta & 0x20) !== 0, isUtf8: (meta & 0x10) !== 0, id, value });
    }
    newRoutes.push({ prefix, path, auth, props });
  }
  const withdrawnCount = r.varUInt('ccp.withdrawnRoutes');
  const withdrawnRoutes: string[] = [];
  for (let i = 0; i < withdrawnCount; i++) withdrawnRoutes.push(readAscii(r, `ccp.withdrawnRoutes[${i}]`));
  r.assertEnd('ccp.update');
  return { routingTableId, currentEpochIndex, fromEpochIndex, toEpochIndex, holdDownTime, speaker, newRoutes, withdrawnRoutes };
}

function prepare(destination: string, data: Buffer, expiresAt?: Date): Buffer {
  return serializePrepare({
    amount: 0n,
    expiresAt: expiresAt ?? new Date(Date.now() + CCP_EXPIRY_MS),
    executionCondition: CCP_CONDITION,
    destination,
    data,
  });
}

/** The whole `peer.route.control` Prepare. */
export function serializeCcpRouteControlRequest(c: CcpRouteControl, expiresAt?: Date): Buffer {
  return prepare(CCP_CONTROL_DESTINATION, serializeCcpRouteControlPayload(c), expiresAt);
}

/** The whole `peer.route.update` Prepare. */
export function serializeCcpRouteUpdateRequest(u: CcpRouteUpdate, expiresAt?: Date): Buffer {
  return prepare(CCP_UPDATE_DESTINATION, serializeCcpRouteUpdatePayload(u), expiresAt);
}

/** The Fulfill that acknowledges either message. */
export function serializeCcpResponse(): Buffer {
  return serializeFulfill({ fulfillment: CCP_FULFILLMENT, data: Buffer.alloc(0) });
}

/** Whether a Prepare is a CCP message: one of the two destinations and the peer-protocol condition. */
export function isCcpRequest(p: { destination: string; executionCondition: Uint8Array }): boolean {
  return (p.destination === CCP_CONTROL_DESTINATION || p.destination === CCP_UPDATE_DESTINATION) && CCP_CONDITION.equals(p.executionCondition);
}
