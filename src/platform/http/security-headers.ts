import { randomFillSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response: the set helmet sends by default, written out
 * here because helmet's per-request middleware halved the throughput of every page
 * (measured in bench/start-page.ts). The Content Security Policy is strict: scripts
 * only from this origin or with the per-response nonce, which the GOV.UK template's
 * one inline script carries.
 */
const STATIC_HEADERS: Record<string, string> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  // Case pages must not leak their addresses in referrers.
  'referrer-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    "base-uri 'none'",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "img-src 'self' data:",
    "object-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "script-src-attr 'none'",
    "style-src 'self'",
  ].join(';');
}

declare module 'fastify' {
  interface FastifyReply {
    /** This response's CSP nonce, for the inline script of the page template. */
    cspNonce: { script: string };
  }
}

/**
 * A fresh nonce for each response, 16 bytes from the operating system's random source, hex-encoded.
 * The bytes are drawn 4 KiB at a time and each is used once (as crypto.randomUUID does): one call into
 * the random source per response was, under load, the service thread's costliest function after the
 * socket writes.
 */
const NONCE_BYTES = 16;
const noncePool = Buffer.alloc(4096);
let nonceAt = noncePool.length;
export function freshNonce(): string {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    randomFillSync(noncePool);
    nonceAt = 0;
  }
  const nonce = noncePool.toString('hex', nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

export async function setUpSecurityHeaders(app: FastifyInstance): Promise<void> {
  app.decorateReply('cspNonce', null as unknown as { script: string });
  app.addHook('onRequest', async (req, reply) => {
    const nonce = freshNonce();
    reply.cspNonce = { script: nonce };
    reply.headers(STATIC_HEADERS);
    reply.header('content-security-policy', contentSecurityPolicy(nonce));
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
}
