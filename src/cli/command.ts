import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how a command was called: printed with the usage line, exit code 2. */
export class UsageError extends Error {}

export type Output = { out: (line: string) => void; err: (line: string) => void };

export type Command = {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: Output): Promise<number | void>;
};

/** node:util parseArgs with its error messages turned into UsageErrors. */
export function parseCommandArgs<T extends ParseArgsConfig['options']>(
  argv: string[],
  options: T,
  positionals: { min: number; max: number; names: string },
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, '.'));
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`Missing ${positionals.names}.`);
  if (n > positionals.max) throw new UsageError(`Unexpected argument '${parsed.positionals[positionals.max]}'.`);
  return parsed;
}
