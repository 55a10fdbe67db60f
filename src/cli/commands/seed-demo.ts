import { seedDemo } from '../../features/demo/service.ts';
import { parseCommandArgs, type Command, type Output } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export function printDemoWelcome(io: Output, url: string): void {
  io.out('');
  io.out('Demonstration data was added: a fictional partnership with invented places, people and cases.');
  io.out(`Open ${url} to look around.`);
}

export const seedDemoCommand: Command = {
  name: 'seed-demo',
  summary: 'Add the fictional demonstration partnership and its data (safe to run again).',
  usage: 'cspr seed-demo',
  async run(argv, io) {
    parseCommandArgs(argv, {}, { min: 0, max: 0, names: '' });
    const summary = await withDatabase((database) => seedDemo(database));
    io.out(summary.created ? `Added the demonstration data: ${summary.partnership}.` : 'The demonstration data is already there; nothing changed.');
  },
};
