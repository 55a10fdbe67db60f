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
  SERVICE_NAME: z
    .string()
    .trim()
    .min(1, 'SERVICE_NAME must not be empty')
    .max(80, 'SERVICE_NAME must be 80 characters or fewer')
    .refine((v) => !/[<>\r\n\t]/.test(v), 'SERVICE_NAME must be plain text on one line')
    .default('CSPR Hub'),
  DATA_DIR: z.string().min(1, 'DATA_DIR must not be empty').default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  MIGRATION_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'MIGRATION_DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent',
    })
    .default('info'),
  PUBLIC_URL: z.url({ error: 'PUBLIC_URL must be a full address such as https://cspr.example.org' }).optional(),
  // How many proxies stand in front of the service ('true': one). Only the addresses they add to
  // X-Forwarded-For are believed: trusting every hop would let a client name its own address (the
  // left-most entry, which it writes itself) and so escape the limits per address.
  TRUST_PROXY: z
    .string()
    .regex(/^(?:true|false|[1-9])$/, { error: 'TRUST_PROXY must be false, true (one load balancer in front) or how many proxies are in front, from 1 to 9' })
    .default('false')
    .transform((v): number | false => (v === 'false' ? false : v === 'true' ? 1 : Number(v))),
  DATA_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'DATA_ENCRYPTION_KEY must be the base64 of exactly 32 random bytes (openssl rand -base64 32)')
    .optional(),
  NEW_DATA_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'NEW_DATA_ENCRYPTION_KEY must be the base64 of exactly 32 random bytes (openssl rand -base64 32)')
    .optional(),
  FILE_STORE: z.enum(['database', 's3'], { error: 'FILE_STORE must be database or s3' }).default('database'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'S3_BUCKET must be a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)')
    .optional(),
  S3_ENDPOINT: z.url({ error: 'S3_ENDPOINT must be a full address such as https://objects.example.org' }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_PREFIX: z
    .string()
    .regex(/^[\w./-]{0,200}$/, 'S3_PREFIX may hold only letters, digits and . _ / - (at most 200)')
    .default(''),
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false'], { error: 'S3_FORCE_PATH_STYLE must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  SESSION_IDLE_MINUTES: z.coerce
    .number({ error: 'SESSION_IDLE_MINUTES must be a whole number of minutes' })
    .int('SESSION_IDLE_MINUTES must be a whole number of minutes')
    .min(1, 'SESSION_IDLE_MINUTES must be at least 1')
    .max(24 * 60, 'SESSION_IDLE_MINUTES must be at most 1440')
    .default(30),
  SESSION_MAX_HOURS: z.coerce
    .number({ error: 'SESSION_MAX_HOURS must be a whole number of hours' })
    .int('SESSION_MAX_HOURS must be a whole number of hours')
    .min(1, 'SESSION_MAX_HOURS must be at least 1')
    .max(72, 'SESSION_MAX_HOURS must be at most 72')
    .default(12),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3, 'MAIL_FROM must be an email address').default('CSPR Hub <no-reply@cspr-hub.invalid>'),
  SESSION_CACHE_MS: z.coerce
    .number({ error: 'SESSION_CACHE_MS must be a whole number of milliseconds' })
    .int('SESSION_CACHE_MS must be a whole number of milliseconds')
    .min(0, 'SESSION_CACHE_MS must not be negative')
    .max(60_000, 'SESSION_CACHE_MS must be at most 60000')
    .default(2000),
  RATE_LIMITS: z
    .enum(['on', 'off'], { error: 'RATE_LIMITS must be on or off' })
    .default('on')
    .transform((v) => v === 'on'),
  AUDIT_CHECKPOINT_MINUTES: z.coerce
    .number({ error: 'AUDIT_CHECKPOINT_MINUTES must be a whole number of minutes' })
    .int('AUDIT_CHECKPOINT_MINUTES must be a whole number of minutes')
    .min(1, 'AUDIT_CHECKPOINT_MINUTES must be at least 1')
    .max(24 * 60, 'AUDIT_CHECKPOINT_MINUTES must be at most 1440')
    .default(15),
  SHUTDOWN_GRACE_MS: z.coerce
    .number({ error: 'SHUTDOWN_GRACE_MS must be a number of milliseconds' })
    .int()
    .min(0, 'SHUTDOWN_GRACE_MS must not be negative')
    .default(10_000),
  DOCUMENT_READ_LIMIT_MS: z.coerce
    .number({ error: 'DOCUMENT_READ_LIMIT_MS must be a whole number of milliseconds' })
    .int('DOCUMENT_READ_LIMIT_MS must be a whole number of milliseconds')
    .min(100, 'DOCUMENT_READ_LIMIT_MS must be at least 100')
    .max(600_000, 'DOCUMENT_READ_LIMIT_MS must be at most 600000')
    .default(60_000),
  DOCUMENT_READ_MEMORY_MB: z.coerce
    .number({ error: 'DOCUMENT_READ_MEMORY_MB must be a whole number of megabytes' })
    .int('DOCUMENT_READ_MEMORY_MB must be a whole number of megabytes')
    .min(64, 'DOCUMENT_READ_MEMORY_MB must be at least 64')
    .max(16_384, 'DOCUMENT_READ_MEMORY_MB must be at most 16384')
    .default(512),
})
  .superRefine((c, ctx) => {
    if (c.FILE_STORE === 's3' && !c.S3_BUCKET) ctx.addIssue({ code: 'custom', message: 'S3_BUCKET must be set when FILE_STORE is s3' });
    if (!!c.S3_ACCESS_KEY_ID !== !!c.S3_SECRET_ACCESS_KEY) {
      ctx.addIssue({ code: 'custom', message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither, for the usual AWS credentials)' });
    }
  });

/** Where files are kept: the database (default) or an S3-compatible bucket. */
export type FileStoreConfig =
  | { backend: 'database' }
  | {
      backend: 's3';
      bucket: string;
      endpoint: string | undefined;
      region: string;
      prefix: string;
      forcePathStyle: boolean;
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
    };

export type Config = {
  port: number;
  host: string;
  /** The deployment's own name, shown in its header and page titles. */
  serviceName: string;
  dataDir: string;
  databaseUrl: string | undefined;
  migrationDatabaseUrl: string | undefined;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  publicUrl: string | undefined;
  /** How many proxies in front to believe (X-Forwarded-For, -Proto, -Host); false: none. */
  trustProxy: number | false;
  shutdownGraceMs: number;
  dataEncryptionKey: string | undefined;
  /** Only for `cspr keys rotate`: the key to rotate to. */
  newDataEncryptionKey: string | undefined;
  fileStore: FileStoreConfig;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  rateLimits: boolean;
  sessionCacheMs: number;
  /** Limits on each piece of document work: reading one uploaded or imported document, or making a PDF or spreadsheet (see platform/documents/document-workers.ts). */
  documentReadLimitMs: number;
  documentReadMemoryMb: number;
  auditCheckpointMinutes: number;
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
  if (c.MIGRATION_DATABASE_URL && !c.DATABASE_URL) {
    throw new ConfigError(['MIGRATION_DATABASE_URL is for a PostgreSQL server: set DATABASE_URL too (the role the service runs as).']);
  }
  return {
    port: c.PORT,
    host: c.HOST,
    serviceName: c.SERVICE_NAME,
    dataDir: path.resolve(c.DATA_DIR),
    databaseUrl: c.DATABASE_URL,
    migrationDatabaseUrl: c.MIGRATION_DATABASE_URL,
    logLevel: c.LOG_LEVEL,
    publicUrl: c.PUBLIC_URL,
    trustProxy: c.TRUST_PROXY,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    dataEncryptionKey: c.DATA_ENCRYPTION_KEY,
    newDataEncryptionKey: c.NEW_DATA_ENCRYPTION_KEY,
    fileStore:
      c.FILE_STORE === 's3'
        ? {
            backend: 's3',
            bucket: c.S3_BUCKET as string,
            endpoint: c.S3_ENDPOINT,
            region: c.S3_REGION,
            prefix: c.S3_PREFIX,
            forcePathStyle: c.S3_FORCE_PATH_STYLE,
            credentials: c.S3_ACCESS_KEY_ID && c.S3_SECRET_ACCESS_KEY ? { accessKeyId: c.S3_ACCESS_KEY_ID, secretAccessKey: c.S3_SECRET_ACCESS_KEY } : undefined,
          }
        : { backend: 'database' },
    sessionIdleMinutes: c.SESSION_IDLE_MINUTES,
    sessionMaxHours: c.SESSION_MAX_HOURS,
    smtpUrl: c.SMTP_URL,
    mailFrom: c.MAIL_FROM,
    rateLimits: c.RATE_LIMITS,
    sessionCacheMs: c.SESSION_CACHE_MS,
    documentReadLimitMs: c.DOCUMENT_READ_LIMIT_MS,
    documentReadMemoryMb: c.DOCUMENT_READ_MEMORY_MB,
    auditCheckpointMinutes: c.AUDIT_CHECKPOINT_MINUTES,
  };
}

/** The variables, their defaults and meaning: the README table is written from this list. */
export const CONFIG_DOC = [
  ['PORT', '3000', 'TCP port the web server listens on.'],
  ['HOST', '127.0.0.1', 'Address to listen on; use 0.0.0.0 behind a load balancer or in a container.'],
  ['SERVICE_NAME', 'CSPR Hub', 'The deployment’s own name, shown in the header and page titles (each partnership’s public pages show its own name).'],
  ['DATA_DIR', './data', 'Folder for the embedded database, the key file and the outbox; created if missing. (Files once kept in DATA_DIR/files are moved into the file store on start.)'],
  ['DATABASE_URL', '(unset)', 'PostgreSQL 15+ connection string; when set, the embedded database is not used.'],
  ['MIGRATION_DATABASE_URL', '(unset)', 'PostgreSQL connection string of the owner role that runs migrations (and grants the DATABASE_URL role its rights); when unset, migrations run as DATABASE_URL.'],
  ['LOG_LEVEL', 'info', 'fatal, error, warn, info, debug, trace or silent.'],
  ['PUBLIC_URL', '(unset)', 'The address users reach the service on, used in emails, feeds and the single sign-on redirect.'],
  ['TRUST_PROXY', 'false', 'true when behind one load balancer that sets X-Forwarded-For/-Proto; the number of proxies when more than one stands in front (a CDN and a load balancer: 2). Only the addresses they add are believed.'],
  ['SHUTDOWN_GRACE_MS', '10000', 'How long requests in flight may take to finish on SIGTERM/SIGINT.'],
  ['DATA_ENCRYPTION_KEY', '(key file)', 'Base64 of 32 random bytes: the master key that encrypts identifying details and the keys of stored files; without it a key file is made in DATA_DIR/secrets. Set it (the same on every instance) for PostgreSQL. Keep it apart from backups.'],
  ['NEW_DATA_ENCRYPTION_KEY', '(unset)', 'Only for cspr keys rotate: the new master key to re-encrypt everything with.'],
  ['FILE_STORE', 'database', 'Where files are kept: database (in the database itself) or s3 (an S3-compatible bucket, below).'],
  ['S3_BUCKET', '(unset)', 'The bucket for FILE_STORE=s3 (it must exist).'],
  ['S3_ENDPOINT', '(unset)', 'The address of an S3-compatible service (e.g. https://objects.example.org); unset for Amazon S3.'],
  ['S3_REGION', 'us-east-1', 'The bucket’s region.'],
  ['S3_PREFIX', '(empty)', 'A prefix for the service’s object names, e.g. cspr/.'],
  ['S3_FORCE_PATH_STYLE', 'false', 'true for services that need the bucket in the path rather than the host name (most S3-compatible ones).'],
  ['S3_ACCESS_KEY_ID', '(unset)', 'With S3_SECRET_ACCESS_KEY, the credentials for the bucket; unset: the usual AWS credentials (AWS_ACCESS_KEY_ID…, shared files, instance role).'],
  ['S3_SECRET_ACCESS_KEY', '(unset)', 'See S3_ACCESS_KEY_ID.'],
  ['SESSION_IDLE_MINUTES', '30', 'Signed-in sessions end after this long without a request.'],
  ['SESSION_MAX_HOURS', '12', 'Signed-in sessions end this long after sign-in, whatever the activity.'],
  ['SMTP_URL', '(unset)', 'smtp:// or smtps:// server for email; without it emails are written to DATA_DIR/outbox as .eml files.'],
  ['SESSION_CACHE_MS', '2000', 'How long an instance remembers a session lookup; ending a session elsewhere takes effect within this time (0: look up every request).'],
  ['RATE_LIMITS', 'on', 'Limits on sign-in and reset attempts per client address; off only for automated tests.'],
  ['MAIL_FROM', 'CSPR Hub <no-reply@cspr-hub.invalid>', 'The sender of the emails the service sends.'],
  ['DOCUMENT_READ_LIMIT_MS', '60000', 'How long reading one uploaded or imported file (PDF or .docx) may take before it is stopped and the file refused; also the limit on making one PDF or spreadsheet.'],
  ['DOCUMENT_READ_MEMORY_MB', '512', 'How much memory reading one uploaded or imported file may use before it is stopped and the file refused; also the limit on making one PDF or spreadsheet.'],
  ['AUDIT_CHECKPOINT_MINUTES', '15', 'How often the service signs a checkpoint of the audit trail (to the log and the database; also on shutdown).'],
] as const;
