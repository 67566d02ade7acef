/**
 * `agent-runtime/codec`: the Interledger wire codecs (ILPv4, BTP, ILDCP) and their types.
 */
export {};
