// The server log: JSON lines for log collectors, or pino-pretty's readable lines for a person at a
// terminal. LOG_FORMAT (src/config.ts) decides; its default, `auto`, looks at stdout.
import pino from 'pino';
import pretty from 'pino-pretty';
import { logContextOptions } from './log-context.js';

export type Logger = pino.Logger;
export type LogFormat = 'json' | 'pretty';

/**
 * `auto`: pretty when stdout is a terminal (someone is reading it), JSON otherwise (a pipe, a file,
 * a container runtime: something parses it). `json` and `pretty` force one.
 */
export function chooseLogFormat(setting: 'auto' | LogFormat, stdoutIsTTY: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTTY ? 'pretty' : 'json';
}

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  format: LogFormat = 'json',
  /** Where lines go; stdout when not given (tests pass a stream). */
  destination?: NodeJS.WritableStream,
): Logger {
  // Every line written during a request carries its request id and organization id.
  const options = { level, base: undefined, ...logContextOptions };
  if (format === 'json') return destination ? pino(options, destination) : pino(options);
  return pino(
    options,
    pretty({
      destination: destination ?? 1,
      // Synchronous, so that the last lines before process.exit() (shutdown, start failure) are not lost.
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      // Colours only on a terminal, not in a file that LOG_FORMAT=pretty was redirected to.
      colorize: destination === undefined && process.stdout.isTTY === true && pretty.isColorSupported,
    }),
  );
}
