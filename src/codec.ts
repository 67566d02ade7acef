/**
 * `agent-runtime/codec`: the Interledger wire codecs (ILPv4 RFC 0027, BTP RFC 0023, ILDCP
 * RFC 0031), the ILP error catalogue and their types.
 */
export * from './node/ilp/packet.js';
export * from './node/ilp/errors.js';
export * from './node/ilp/address.js';
export * from './node/ilp/ildcp.js';
export * from './node/btp/codec.js';
export {
  OerReader,
  UINT64_MAX,
  lengthPrefixSize,
  varOctetStringSize,
  varUIntSize,
  writeLengthPrefix,
  writeUInt64,
  writeVarOctetString,
  writeVarUInt,
} from './node/ilp/oer.js';
export {
  GENERALIZED_TIME_LENGTH,
  ILP_TIMESTAMP_LENGTH,
  isEncodableTime,
  readGeneralizedTime,
  readIlpTimestamp,
  writeGeneralizedTime,
  writeIlpTimestamp,
} from './node/ilp/time.js';
