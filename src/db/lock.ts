// An exclusive lock on an embedded (PGlite) database folder. PGlite is a single-process database:
// a second process opening the same folder corrupts what the first one sees (and removes its
// postmaster.pid). So whoever opens a folder first writes `gateway.lock` into it, created
// atomically (O_CREAT|O_EXCL), with its pid and what it is; a second opener refuses with a message
// naming the holder, before touching anything. A lock whose process is gone (killed, crashed) is
// stale and taken over. Released on close, and on exit if the process ends without closing.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'gateway.lock';

interface LockInfo {
  pid: number;
  hostname: string;
  /** What the holder is, e.g. "server (npm start)"; for the message a second opener prints. */
  owner: string;
  /** The holder's command line. */
  command: string;
  startedAt: string;
  /** Linux: the process's start time in clock ticks since boot, to tell a reused pid from the holder. */
  processStart?: string;
}

export class DatabaseLockedError extends Error {
  readonly holder: LockInfo | undefined;
  constructor(message: string, holder?: LockInfo) {
    super(message);
    this.name = 'DatabaseLockedError';
    this.holder = holder;
  }
}

export interface DirectoryLock {
  path: string;
  release(): void;
}

/** Folders this process holds, so that a second open in the same process is refused too. */
const held = new Map<string, string>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' runs on process.exit() and after an uncaught error, not when a signal kills the
  // process; a lock left behind that way is stale and taken over by the next opener.
  process.on('exit', () => {
    for (const [file, content] of held) removeIfOurs(file, content);
  });
}

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command; starttime is field 22 (index 19 after the ')').
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function readLock(file: string): { raw: string; info: LockInfo | undefined } | undefined {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const info = JSON.parse(raw) as LockInfo;
    return { raw, info: Number.isInteger(info.pid) ? info : undefined };
  } catch {
    // Being written right now (the holder creates, then writes), or garbage.
    return { raw, info: undefined };
  }
}

/** Is the lock's holder still running? Unknown (another host, no permission to ask) counts as yes. */
function holderAlive(info: LockInfo, file: string): boolean {
  if (info.hostname !== hostname()) return true;
  if (info.pid === process.pid) return held.has(file);
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  // The pid is taken; by the holder, unless it was reused by a process that started at another time.
  const start = processStart(info.pid);
  return !(info.processStart && start && start !== info.processStart);
}

function describe(info: LockInfo): string {
  const host = info.hostname === hostname() ? '' : ` on host ${info.hostname}`;
  const command = info.command ? `\`${info.command}\`, ` : '';
  return `${info.owner || 'another process'}: process ${info.pid}${host} (${command}since ${info.startedAt})`;
}

function removeIfOurs(file: string, content: string) {
  try {
    if (readFileSync(file, 'utf8') === content) unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/**
 * Takes the folder's lock or throws DatabaseLockedError naming the process that holds it.
 * The folder must exist.
 */
export function lockDirectory(dir: string, owner: string): DirectoryLock {
  const file = path.resolve(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    owner,
    command: [path.basename(process.argv0), ...process.execArgv, ...process.argv.slice(1).map((a) => path.relative(process.cwd(), a) || a)]
      .join(' '),
    startedAt: new Date().toISOString(),
    processStart: processStart(process.pid),
  };
  const content = `${JSON.stringify(info, null, 2)}\n`;

  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const existing = readLock(file);
      if (!existing) continue; // Released meanwhile: try again.
      if (!existing.info) {
        // Unreadable: a holder between creating and writing it, or garbage. Wait a moment once.
        if (attempt < 2) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
          continue;
        }
        throw new DatabaseLockedError(
          `The database folder ${path.resolve(dir)} is locked (${file} exists but is unreadable). ` +
            'If no other gateway process uses this folder, delete that file.',
        );
      }
      if (holderAlive(existing.info, file)) {
        throw new DatabaseLockedError(
          `The database folder ${path.resolve(dir)} is in use by ${describe(existing.info)}. ` +
            'An embedded database can be opened by one process at a time: stop that process first, ' +
            'or set DATA_DIR to another folder (or use DATABASE_URL).',
          existing.info,
        );
      }
      // Stale: its process is gone. Remove it only if it is still the very file judged stale.
      removeIfOurs(file, existing.raw);
      continue;
    }
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    held.set(file, content);
    installExitHook();
    return {
      path: file,
      release() {
        if (held.get(file) !== content) return;
        held.delete(file);
        removeIfOurs(file, content);
      },
    };
  }
  throw new DatabaseLockedError(`Could not take the lock ${file}: it keeps changing; is another process starting?`);
}
