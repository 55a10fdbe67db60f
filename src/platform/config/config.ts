import path from 'node:path';
import { z } from 'zod';

/**
 * Configuration comes from environment variables only. Each bad value gets its own
 * sentence, so an operator can fix everything in one go.
 */
const schema = z.object({
  PORT: z.coerce
    .number({ error: 'PORT must be a whole number between 1 and 65535' })
    .int('PORT must be a whole number between 1 and 65535')
    .min(1, 'PORT must be a whole number between 1 and 65535')
    .max(65535, 'PORT must be a whole number between 1 and 65535')
    .default(3000),
  HOST: z.string().min(1, 'HOST must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().min(1, 'DATA_DIR must not be empty').default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent',
    })
    .default('info'),
  PUBLIC_URL: z.url({ error: 'PUBLIC_URL must be a full address such as https://cspr.example.org' }).optional(),
  TRUST_PROXY: z
    .enum(['true', 'false'], { error: 'TRUST_PROXY must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  SHUTDOWN_GRACE_MS: z.coerce
    .number({ error: 'SHUTDOWN_GRACE_MS must be a number of milliseconds' })
    .int()
    .min(0, 'SHUTDOWN_GRACE_MS must not be negative')
    .default(10_000),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  publicUrl: string | undefined;
  trustProxy: boolean;
  shutdownGraceMs: number;
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Empty strings count as unset, as a shell `FOO=` usually means "not given". */
function present(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(present(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => i.message));
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: path.resolve(c.DATA_DIR),
    databaseUrl: c.DATABASE_URL,
    logLevel: c.LOG_LEVEL,
    publicUrl: c.PUBLIC_URL,
    trustProxy: c.TRUST_PROXY,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
  };
}

/** The variables, their defaults and meaning: the README table is written from this list. */
export const CONFIG_DOC = [
  ['PORT', '3000', 'TCP port the web server listens on.'],
  ['HOST', '127.0.0.1', 'Address to listen on; use 0.0.0.0 behind a load balancer or in a container.'],
  ['DATA_DIR', './data', 'Folder for the embedded database, stored files and the outbox; created if missing.'],
  ['DATABASE_URL', '(unset)', 'PostgreSQL 15+ connection string; when set, the embedded database is not used.'],
  ['LOG_LEVEL', 'info', 'fatal, error, warn, info, debug, trace or silent.'],
  ['PUBLIC_URL', '(unset)', 'The address users reach the service on, used in emails and feeds.'],
  ['TRUST_PROXY', 'false', 'true when behind a load balancer that sets X-Forwarded-For/-Proto.'],
  ['SHUTDOWN_GRACE_MS', '10000', 'How long requests in flight may take to finish on SIGTERM/SIGINT.'],
] as const;
