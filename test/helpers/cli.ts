// The operator commands (`npm run cli -- ...`) run in-process through the CLI's entry point, on the
// test's database, with their output captured.
import { expect } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import type { Database } from '../../src/db/client.js';

export interface Run {
  code: number;
  out: string;
  err: string;
}

/** `npm run cli -- ...argv` in-process on `database`; DEBUG and .env play no part. */
export async function runCommand(database: Database, ...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { database, env: {}, stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

/** Exit code 1 and exactly one line on stderr, which matches `message`; nothing on stdout. */
export function refused(run: Run, message: RegExp) {
  expect(run.code, run.err).toBe(1);
  expect(run.out).toBe('');
  expect(run.err.trimEnd().split('\n'), run.err).toHaveLength(1);
  expect(run.err).toMatch(message);
  expect(run.err).not.toMatch(/^\s+at /m);
}
