import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config/config.ts';

/**
 * Email: plain text only, and only links and roles — never identifying case data.
 * Over SMTP when SMTP_URL is set; otherwise each message is written as an RFC 822
 * `.eml` file in DATA_DIR/outbox, so nothing is lost and an operator can forward it.
 */
export type MailMessage = { to: string; subject: string; text: string };

export type SentMail = { messageId: string; /** the outbox file, when there is no SMTP server */ file?: string };

export type Mailer = {
  /** 'smtp' or 'outbox': where messages go. */
  readonly via: 'smtp' | 'outbox';
  sendMail(message: MailMessage): Promise<SentMail>;
  close(): void;
};

export type MailConfig = Pick<Config, 'smtpUrl' | 'mailFrom' | 'dataDir'>;

export function outboxDir(dataDir: string): string {
  return path.join(dataDir, 'outbox');
}

/** A name that sorts by time and never collides: 2026-11-30T09-49-08-123Z-<uuid>.eml */
function outboxFileName(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
}

export function createMailer(config: MailConfig): Mailer {
  const from = config.mailFrom;
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      via: 'smtp',
      async sendMail(message) {
        const info = await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
        return { messageId: info.messageId };
      },
      close: () => transport.close(),
    };
  }

  const compose = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const dir = outboxDir(config.dataDir);
  return {
    via: 'outbox',
    async sendMail(message) {
      const info = await compose.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, outboxFileName());
      // The links in these messages are secrets: readable by the service's user only.
      await fs.writeFile(file, info.message as Buffer, { mode: 0o600, flag: 'wx' });
      return { messageId: info.messageId, file };
    },
    close: () => compose.close(),
  };
}
