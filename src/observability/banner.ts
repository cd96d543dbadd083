// What a process says when it is ready (where it serves, on which database, the demo token...): a few
// aligned lines for a person at a terminal, or, when the log is JSON lines, one log record with the
// same content, so that every line on stdout parses as JSON.
import type { Logger, LogFormat } from './logger.js';

export interface BannerLine {
  /** The label a person reads (`GraphiQL`, `Demo token`). */
  label: string;
  /** The record's field for it (`graphiql`, `demoToken`). */
  key: string;
  value: string;
  /** A second line under the value, for the terminal only (a hint, such as how to use the token). */
  hint?: string;
}

export function printBanner(
  logger: Logger,
  format: LogFormat,
  message: string,
  lines: BannerLine[],
  write: (text: string) => void = (text) => void process.stdout.write(text),
): void {
  if (format === 'json') {
    logger.info(Object.fromEntries(lines.map((line) => [line.key, line.value])), message);
    return;
  }
  const width = Math.max(...lines.map((line) => line.label.length)) + 2;
  const text = lines
    .map((line) => `${`${line.label}:`.padEnd(width)}${line.value}${line.hint ? `\n${' '.repeat(width)}${line.hint}` : ''}`)
    .join('\n');
  write(`\n${text}\n\n`);
}
