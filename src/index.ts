/**
 * agent-runtime: the library API. Everything a user imports comes from here.
 */
export * from './codec.js';
