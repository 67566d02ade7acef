/**
 * Loads the JSON vectors in test/fixtures and turns their declarative fields (hex buffers,
 * decimal amounts, ISO times) into the codec's objects.
 */
import { readFileSync } from 'node:fs';
import type { BtpFrame, IldcpResponse, IlpPacket, ProtocolData } from '../../../src/codec.js';

const FIXTURES = new URL('../../fixtures/', import.meta.url);

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export interface InvalidVector {
  name: string;
  decoder: string;
  hex: string;
  reason: string;
}

type JsonPacket =
  | { type: 'prepare'; amount: string; expiresAt: string; executionCondition: string; destination: string; data: string }
  | { type: 'fulfill'; fulfillment: string; data: string }
  | { type: 'reject'; code: string; triggeredBy: string; message: string; data: string };

export interface IlpVector {
  name: string;
  source: string;
  hex: string;
  packet: JsonPacket;
}

interface JsonProtocolData {
  protocolName: string;
  contentType: number;
  data: string;
}

export interface BtpVector {
  name: string;
  source: string;
  hex: string;
  frame: Record<string, unknown> & { type: number; requestId: number; protocolData: JsonProtocolData[] };
}

export interface IldcpVector {
  name: string;
  kind: 'request' | 'response';
  hex: string;
  expiresAt?: string;
  response?: IldcpResponse;
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

export const ilpVectors = load<{ valid: IlpVector[]; invalid: InvalidVector[] }>('ilp-packets.json');
export const btpVectors = load<{ valid: BtpVector[]; invalid: InvalidVector[] }>('btp-frames.json');
export const ildcpVectors = load<{ valid: IldcpVector[]; invalid: InvalidVector[] }>('ildcp.json');

/** The packet a vector describes. */
export function toIlpPacket(p: JsonPacket): IlpPacket {
  switch (p.type) {
    case 'prepare':
      return {
        type: 12,
        prepare: {
          amount: BigInt(p.amount),
          expiresAt: new Date(p.expiresAt),
          executionCondition: hex(p.executionCondition),
          destination: p.destination,
          data: hex(p.data),
        },
      };
    case 'fulfill':
      return { type: 13, fulfill: { fulfillment: hex(p.fulfillment), data: hex(p.data) } };
    case 'reject':
      return { type: 14, reject: { code: p.code, triggeredBy: p.triggeredBy, message: p.message, data: hex(p.data) } };
  }
}

function toProtocolData(pd: JsonProtocolData[]): ProtocolData[] {
  return pd.map((p) => ({ protocolName: p.protocolName, contentType: p.contentType, data: hex(p.data) }));
}

/** The frame a vector describes. */
export function toBtpFrame(f: BtpVector['frame']): BtpFrame {
  const protocolData = toProtocolData(f.protocolData);
  const { requestId } = f;
  const str = (k: string): string => f[k] as string;
  switch (f.type) {
    case 1:
    case 6:
      return { type: f.type, requestId, protocolData };
    case 7:
      return { type: 7, requestId, amount: BigInt(str('amount')), protocolData };
    case 2:
      return { type: 2, requestId, code: str('code'), name: str('name'), triggeredAt: new Date(str('triggeredAt')), data: hex(str('data')), protocolData };
    case 3:
      return {
        type: 3,
        requestId,
        transferId: hex(str('transferId')),
        amount: BigInt(str('amount')),
        executionCondition: hex(str('executionCondition')),
        expiresAt: new Date(str('expiresAt')),
        protocolData,
      };
    case 4:
      return { type: 4, requestId, transferId: hex(str('transferId')), fulfillment: hex(str('fulfillment')), protocolData };
    case 5:
      return { type: 5, requestId, transferId: hex(str('transferId')), protocolData };
    default:
      throw new Error(`fixture has unknown BTP type ${f.type}`);
  }
}
