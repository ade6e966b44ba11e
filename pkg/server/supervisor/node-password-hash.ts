// Node passwords are stored as salted scrypt hashes (`scrypt$<salt hex>$<hash hex>`), never in clear.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LEN = 32;

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LEN, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashNodePassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('hex')}$${(await derive(password, salt)).toString('hex')}`;
}

/** False for a wrong password and for a stored value that is not one of our hashes. */
export async function nodePasswordMatches(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$([0-9a-f]+)\$([0-9a-f]{64})$/.exec(stored.trim());
  if (!m) return false;
  const key = await derive(password, Buffer.from(m[1]!, 'hex'));
  return timingSafeEqual(key, Buffer.from(m[2]!, 'hex'));
}
