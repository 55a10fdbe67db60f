import { generateSync } from 'otplib';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS, seedDemo } from '../../features/demo/service.ts';
import { ROLE_LABELS } from '../../platform/auth/policy.ts';
import { parseCommandArgs, type Command, type Output } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export function printDemoWelcome(io: Output, url: string): void {
  io.out('');
  io.out('Demonstration data was added: a fictional partnership with invented places, people and cases.');
  io.out(`Sign in at ${url}sign-in as any of these people, with the password "${DEMO_PASSWORD}":`);
  const width = Math.max(...DEMO_USERS.map((u) => u.email.length));
  for (const u of DEMO_USERS) io.out(`  ${u.email.padEnd(width)}  ${ROLE_LABELS[u.role]}`);
  io.out(`For the security code, add the key ${DEMO_TOTP_SECRET} to an authenticator app,`);
  io.out("or run 'npm run cspr -- demo-code' to print the current code.");
}

export const seedDemoCommand: Command = {
  name: 'seed-demo',
  summary: 'Add the fictional demonstration partnership and its data (safe to run again).',
  usage: 'cspr seed-demo',
  async run(argv, io) {
    parseCommandArgs(argv, {}, { min: 0, max: 0, names: '' });
    const summary = await withDatabase((database, _config, cipher, files) => seedDemo(database, cipher, files), { audited: false });
    if (!summary.created) {
      // A start that stopped before the public repository's part leaves it to the next start, or to this.
      if (summary.publishedReviews != null) io.out(`The demonstration data was there; its public repository is now finished (${summary.publishedReviews} fictional published reviews).`);
      else io.out('The demonstration data is already there; nothing changed.');
      return;
    }
    io.out(`Added the demonstration data: ${summary.partnership}.`);
    printDemoWelcome(io, 'http://localhost:3000/');
  },
};

export const demoCodeCommand: Command = {
  name: 'demo-code',
  summary: 'Print the current two-factor security code of the demonstration users.',
  usage: 'cspr demo-code',
  async run(argv, io) {
    parseCommandArgs(argv, {}, { min: 0, max: 0, names: '' });
    io.out(generateSync({ secret: DEMO_TOTP_SECRET }));
  },
};
