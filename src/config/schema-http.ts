/**
 * Schema of `http`: the node's ILP-over-HTTP listener (RFC 0035), where peers with
 * `transport: http` POST their Prepares. Per-peer endpoints and tokens live in `peers[].http`.
 */
import { z } from 'zod';
import { hostField, key, portField, positiveInt } from './fields.js';

export const httpSchema = z.strictObject({
  enabled: key(z.boolean().optional(), {
    description: 'Run the ILP-over-HTTP listener (POST /ilp/<peerId> and /ilp).',
    default: 'on when a configured peer has transport: http',
  }),
  host: key(hostField('127.0.0.1'), {
    type: 'host',
    description: 'ILP-over-HTTP bind address; 0.0.0.0 accepts remote peers (put TLS in front).',
  }),
  port: key(portField(3002), { description: 'ILP-over-HTTP port (0 = any free port).' }),
  maxBodyBytes: key(positiveInt(65_536), {
    description: 'Largest request body accepted (bytes); a larger one gets 413 before it is read.',
  }),
  downAfterFailures: key(positiveInt(3), {
    description: 'Consecutive transport failures (refused connection, HTTP error, no answer before expiry) after which an HTTP peer counts as down; the next success brings it up.',
  }),
});
