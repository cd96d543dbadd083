// Waiting on processes a test spawned: for what they do (a line printed, an exit, a state another
// client can see), never for a fixed time. A cold `npm start` on PGlite took 34 s on a busy 2-core
// machine, where fixed waits of 15 or 20 s failed; the only bound is the test's own timeout, which
// these tests set generously (SPAWN_TIMEOUT), and a test that fails says what it was waiting for.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { onTestFailed } from 'vitest';

/** The timeout of a test or hook that starts `npm start`, `npm run ...` or waits for one to exit. */
export const SPAWN_TIMEOUT = 300_000;

const POLL_MS = 50;

/** onTestFailed, when called from a test (in a hook there is no test to report on). */
function onFailure(report: () => void): void {
  try {
    onTestFailed(report);
  } catch {
    // Not in a test.
  }
}

export interface WaitOptions {
  /** What is awaited, for the failure message. */
  what: string;
  /** The process whose exit ends the wait with an error (it will never become ready). */
  exited?: Promise<number | null>;
  /** Its output so far, shown when the wait fails. */
  output?: () => string;
}

/**
 * Resolves with the first truthy value of `check` (polled every 50 ms); rejects when `exited`
 * settles first. No timer of its own: the test's timeout bounds it, and then the failure names it.
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  let waiting = true;
  onFailure(() => {
    if (waiting) console.error(`Still waiting for ${options.what}.${options.output ? `\nOutput so far:\n${options.output()}` : ''}`);
  });
  let gone: number | null | undefined;
  let hasExited = false;
  void options.exited?.then((code) => {
    hasExited = true;
    gone = code;
  });
  try {
    for (;;) {
      const value = await check();
      if (value) return value as NonNullable<T>;
      if (hasExited) {
        throw new Error(`The process exited (code ${gone}) before ${options.what}.${options.output ? `\n${options.output()}` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    waiting = false;
  }
}

/** The exit code of a process, however long it takes (the test's timeout bounds it). */
export async function exitOf(exited: Promise<number | null>, what: string, output?: () => string): Promise<number | null> {
  let waiting = true;
  onFailure(() => {
    if (waiting) console.error(`Still waiting for ${what} to exit.${output ? `\nOutput so far:\n${output()}` : ''}`);
  });
  try {
    return await exited;
  } finally {
    waiting = false;
  }
}

/** Waits for `check` to hold (polling every 25 ms), or fails with what it last saw. */
export async function eventually<T>(check: () => T | Promise<T>, holds: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (holds(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last seen: ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1, for a process the test starts. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A spawned process with its output so far and its exit. */
export interface Captured {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Keeps what a process spawned with piped stdout and stderr prints, and its exit code. */
export function captured(child: ChildProcess): Captured {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run worker` with `env` over this process's environment and JSON info logs, in a process group of
 * its own (killLeftovers ends it), added to `spawned`.
 */
export function spawnWorker(env: Record<string, string>, spawned: ChildProcess[]): Captured {
  const child = spawn('npm', ['run', 'worker'], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  spawned.push(child);
  return captured(child);
}

/** Kills (SIGKILL) the process groups of `children` a test spawned detached and left running, and empties the list. */
export function killLeftovers(children: ChildProcess[]): void {
  for (const child of children.splice(0)) {
    if (child.pid === undefined || child.exitCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
