import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { safeEqual } from './secrets.ts';

/**
 * Passwords: scrypt from node:crypto (memory-hard, no native addon), stored as
 * `scrypt$N$r$p$salt$hash`. The cost is in the string, so it can rise later.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 256 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // With no stored hash we still spend the time, so response times do not reveal which accounts exist.
  const parts = (stored ?? DUMMY_HASH).split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts;
  const key = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return stored !== null && safeEqual(key.toString('base64'), hash);
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Passwords seen most often in breaches: refused whatever their length. */
const COMMON = new Set([
  'password1234', 'password12345', 'password123456', '123456789012', '1234567890123', 'qwertyuiop12', 'qwertyuiopas',
  'iloveyou1234', 'passwordpassword', 'welcome12345', 'letmein12345', 'administrator', 'changeme1234', 'abc123456789',
  '111111111111', '000000000000', 'aaaaaaaaaaaa', 'qwerty123456', '1q2w3e4r5t6y', 'zaq12wsxcde3', 'football1234',
  'baseball1234', 'sunshine1234', 'princess1234', 'trustno11234', 'monkey123456', 'dragon123456', 'master123456',
  'superman1234', 'starwars1234', 'correcthorsebatterystaple', 'safeguarding', 'safeguarding1', 'safeguarding123',
]);

/**
 * Length rules and a deny list, not composition rules (as the NCSC advises).
 * Returns the reason a password cannot be used, or null.
 */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | null {
  const length = [...password].length;
  if (length === 0) return 'Enter a password';
  if (length < PASSWORD_MIN_LENGTH) return `Password must be ${PASSWORD_MIN_LENGTH} characters or more`;
  if (length > PASSWORD_MAX_LENGTH) return `Password must be ${PASSWORD_MAX_LENGTH} characters or fewer`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'This password is too common: choose one that is harder to guess';
  if (/^(.)\1+$/u.test(password)) return 'Password must not be one character repeated';
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'Password must not contain your email address';
  if (context.name && context.name.length >= 4 && lower.includes(context.name.toLowerCase())) {
    return 'Password must not contain your name';
  }
  return null;
}
