import fs from 'node:fs';
import path from 'node:path';
import { outboxDir } from '../../src/platform/mail/mailer.ts';

export type ReadMail = { file: string; to: string; from: string; subject: string; text: string; raw: string };

/** Decodes a quoted-printable body (soft line breaks, =XX bytes) as UTF-8. */
export function decodeQuotedPrintable(body: string): string {
  const joined = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? /^[0-9A-F]{2}/i.exec(joined.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A plain-text RFC 822 message as nodemailer writes it: headers, and the body decoded. */
export function parseMail(raw: string, file = ''): ReadMail {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  const text =
    encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : encoding === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body;
  return { file, to: header('To'), from: header('From'), subject: header('Subject'), text: text.replace(/\r\n/g, '\n'), raw };
}

/** Every message in DATA_DIR/outbox, oldest first. */
export function outbox(dataDir: string): ReadMail[] {
  const dir = outboxDir(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => parseMail(fs.readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)));
}

/** The newest message to this address, waiting a little for mail sent after the response. */
export async function waitForMail(dataDir: string, to: string, options: { after?: number; timeoutMs?: number } = {}): Promise<ReadMail> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  for (;;) {
    const mine = outbox(dataDir).filter((m) => m.to === to);
    if (mine.length > (options.after ?? 0)) return mine[mine.length - 1];
    if (Date.now() > deadline) throw new Error(`no email to ${to} in ${outboxDir(dataDir)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The first link in a message that starts with the given path, e.g. '/invitation/'. */
export function linkIn(mail: ReadMail, pathPrefix: string): string {
  const match = new RegExp(`https?://[^\\s]+${pathPrefix.replace(/[/]/g, '\\/')}[A-Za-z0-9_-]+`).exec(mail.text);
  if (!match) throw new Error(`no ${pathPrefix} link in the email: ${mail.text}`);
  return match[0];
}
