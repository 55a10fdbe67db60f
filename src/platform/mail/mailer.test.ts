import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDir } from '../../../test/support/database.ts';
import { outbox, parseMail } from '../../../test/support/mail.ts';
import { createMailer, outboxDir } from './mailer.ts';

const FROM = 'CSPR Hub <no-reply@cspr-hub.invalid>';
const LINK = `http://127.0.0.1:3000/invitation/${'A1b2_-'.repeat(7)}x`;

describe('mail over SMTP', () => {
  let server: SMTPServer;
  let port: number;
  const received: { from: string; to: string[]; raw: string }[] = [];

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let raw = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (raw += chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('delivers a plain-text message from MAIL_FROM to the SMTP server, and writes no outbox file', async () => {
    const dataDir = freshDir('mail-smtp');
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: FROM, dataDir });
    expect(mailer.via).toBe('smtp');
    const sent = await mailer.sendMail({ to: 'ada@example.org', subject: 'You have been invited to CSPR Hub', text: `Hello Ada,\n\n${LINK}\n` });
    mailer.close();
    expect(sent.file).toBeUndefined();
    expect(sent.messageId).toMatch(/^<.+@cspr-hub\.invalid>$/);
    expect(received).toHaveLength(1);
    expect(received[0].from).toBe('no-reply@cspr-hub.invalid');
    expect(received[0].to).toEqual(['ada@example.org']);
    const mail = parseMail(received[0].raw);
    expect(mail.subject).toBe('You have been invited to CSPR Hub');
    expect(mail.from).toBe(FROM);
    expect(mail.to).toBe('ada@example.org');
    expect(mail.text).toContain(LINK);
    expect(mail.raw).toMatch(/^Content-Type: text\/plain; charset=utf-8/m);
    expect(fs.existsSync(outboxDir(dataDir))).toBe(false);
  });

  it('reports a server that cannot be reached as a failure (the caller decides what to tell people)', async () => {
    const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:1', mailFrom: FROM, dataDir: freshDir('mail-down') });
    await expect(mailer.sendMail({ to: 'ada@example.org', subject: 'x', text: 'y' })).rejects.toThrow();
    mailer.close();
  });
});

describe('mail without SMTP', () => {
  it('writes each message as an .eml file in DATA_DIR/outbox, readable by the service user only', async () => {
    const dataDir = freshDir('mail-outbox');
    const mailer = createMailer({ smtpUrl: undefined, mailFrom: FROM, dataDir });
    expect(mailer.via).toBe('outbox');
    const first = await mailer.sendMail({ to: 'ada@example.org', subject: 'Reset your CSPR Hub password', text: `Hello Ada,\n\n${LINK}\n` });
    const second = await mailer.sendMail({ to: 'bo@example.org', subject: 'Second', text: 'Hello Bo' });
    expect(first.file).toMatch(/outbox\/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[0-9a-f-]{36}\.eml$/);
    expect(first.file).not.toBe(second.file);
    expect(fs.statSync(first.file as string).mode & 0o777).toBe(0o600);
    const mails = outbox(dataDir);
    expect(mails.map((m) => m.to).sort()).toEqual(['ada@example.org', 'bo@example.org']);
    const ada = mails.find((m) => m.to === 'ada@example.org')!;
    expect(ada.from).toBe(FROM);
    expect(ada.subject).toBe('Reset your CSPR Hub password');
    expect(ada.text).toContain(LINK);
    expect(ada.raw).toMatch(/^Message-ID: <.+>\r$/m);
    expect(ada.raw).toMatch(/^Date: /m);
  });
});
