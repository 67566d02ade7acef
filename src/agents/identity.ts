/**
 * The node's Ed25519 identity key: made at first start in `<dataDir>/identity.key` (PKCS#8 PEM, mode
 * 600, never overwritten), loaded at every later start. It signs the receipts this node gives for
 * payments to its local agent; its public key is at `GET /admin/identity` and in `health`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** The file name of the key inside the data directory. */
export const IDENTITY_FILE = 'identity.key';

export interface Identity {
  readonly algorithm: 'ed25519';
  /** The raw 32-byte public key, base64url (as a JWK's `x`). */
  readonly publicKey: string;
  /** Signs `message` (Ed25519, 64 bytes). */
  sign(message: Buffer): Buffer;
}

/** Loads `<dataDir>/identity.key`, or makes it (mode 600) when there is none. */
export function loadIdentity(dataDir: string, logger?: Logger): Identity {
  const file = join(dataDir, IDENTITY_FILE);
  let key: KeyObject;
  if (existsSync(file)) {
    key = createPrivateKey(readFileSync(file));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
    // A key readable by others is a key others may sign with: narrow it back.
    if ((statSync(file).mode & 0o077) !== 0) {
      chmodSync(file, 0o600);
      logger?.warn({ file }, 'identity key was readable by group or others; its mode is now 600');
    }
  } else {
    mkdirSync(dataDir, { recursive: true });
    key = generateKeyPairSync('ed25519').privateKey;
    // wx: never overwrite a key another process made in between.
    writeFileSync(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    logger?.info({ file }, 'identity key created');
  }
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const publicKey = String(jwk.x);
  return { algorithm: 'ed25519', publicKey, sign: (message) => sign(null, message, key) };
}
