import { generateSecret, generateURI, verifySync } from 'otplib';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';

/**
 * Time-based one-time codes (RFC 6238, 30-second steps, 6 digits). A code is accepted
 * for one step either side of now, and never twice: the last accepted step is kept.
 */
export const ISSUER = 'CSPR Hub';

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, email: string): string {
  return generateURI({ issuer: ISSUER, label: email, secret });
}

/** An accessible inline SVG of the set-up QR code (the secret is also shown as text). */
export async function totpQrSvg(secret: string, email: string): Promise<string> {
  // Loaded when someone sets up two-factor sign-in, not held by every running service.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(totpUri(secret, email), { type: 'svg', margin: 2, width: 200 });
  return svg.replace('<svg ', '<svg role="img" aria-label="QR code for your authenticator app" focusable="false" ');
}

/** The secret in groups of four, easier to type into an app. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

/** Returns the time step the code belongs to, or null when it is wrong, expired or already used. */
export function checkTotp(secret: string, code: string, lastStep: number | null): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const result = verifySync({ secret, token, epochTolerance: 30, ...(lastStep !== null ? { afterTimeStep: lastStep } : {}) });
  return result.valid && 'timeStep' in result ? (result.timeStep as number) : null;
}

export const RECOVERY_CODE_COUNT = 10;

/** Ten single-use codes for when the phone is lost; stored only as hashes. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = randomToken(8).replace(/[^a-zA-Z0-9]/g, '').toLowerCase().padEnd(10, '7').slice(0, 10);
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
  return { codes, hashes: codes.map(recoveryCodeHash) };
}

export function recoveryCodeHash(code: string): string {
  return sha256(code.trim().toLowerCase().replace(/[^a-z0-9]/g, ''));
}
