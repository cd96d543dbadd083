// Configuration comes from the environment only; .env.example lists every setting.
import dotenv from 'dotenv';
import { z } from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  /** Folder of the embedded PGlite database; ignored when DATABASE_URL is set. */
  DATA_DIR: z.string().default('./.data'),
  /** A PostgreSQL connection string; when set, the embedded database is not used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** Seed the demo organization on first start and print a fresh demo token on every start. */
  SEED_DEMO: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /** On SIGTERM/SIGINT, how long in-flight requests may take to finish before they are cut (exit code 1). */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  /** Longest an SQL statement of a request may run (PostgreSQL cancels it); 0 for no limit. Migrations are exempt. */
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /**
   * How long a valid token's person and organizations are cached in memory (ms), 0 for never. A
   * revocation made by another process (the CLI, another instance) takes effect within this bound.
   */
  AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` lines, `pretty` (pino-pretty) lines, or `auto`: pretty when stdout is a terminal, JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

export type Config = z.infer<typeof schema>;

/** A setting is wrong: its message names each setting and why, and is meant for the operator as is. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A .env file, when present, fills in what the environment leaves unset.
  if (env === process.env) dotenv.config({ quiet: true });
  const parsed = schema.safeParse({ ...env, DATABASE_URL: env.DATABASE_URL || undefined });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
