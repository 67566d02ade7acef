/**
 * Schema of `routing`: route broadcast (CCP, as ilp-connector speaks it). Per-peer switches
 * (`peers[].sendRoutes`, `peers[].receiveRoutes`) live in the peer schema; their defaults depend on
 * the relation (ilp-connector's: on for parents and peers, off for children).
 */
import { z } from 'zod';
import { key, positiveInt, secretField } from './fields.js';

/** How learned routes are passed on: `all` as ilp-connector does, or `valley-free`. */
export const EXPORT_POLICIES = ['all', 'valley-free'] as const;

export const routingSchema = z.strictObject({
  enabled: key(z.boolean().default(true), {
    description: 'Exchange routes with peers by CCP (peer.route.control / peer.route.update), as ilp-connector does.',
  }),
  broadcastIntervalMs: key(positiveInt(30_000), {
    description: 'How often each peer gets a route update, an empty heartbeat when nothing changed (ms).',
  }),
  holdDownMs: key(positiveInt(45_000), {
    description: 'Hold-down we announce: a peer that hears nothing from us this long drops our routes (ms).',
  }),
  maxRoutesPerPeer: key(positiveInt(10_000), {
    description: 'Most prefixes learned from one peer; more are dropped with one warning.',
  }),
  secret: key(secretField().optional(), {
    description: 'Routing secret: the key of the route auth hashes we announce. Unset: random at each start.',
    secret: true,
    env: 'AGENT_RUNTIME_ROUTING_SECRET',
  }),
  exportPolicy: key(z.enum(EXPORT_POLICIES).default('all'), {
    description: 'all: every best route to every peer with sendRoutes (never back to its next hop). valley-free: routes via peers and parents go to children only.',
  }),
});
