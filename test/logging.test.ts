// Log format (issue 8): readable lines for a person at a terminal, JSON lines for anything that
// parses them, LOG_FORMAT to force either, validated like every other setting.
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { chooseLogFormat, createLogger, type LogFormat } from '../src/observability/logger.js';

describe('chooseLogFormat', () => {
  test.each([
    ['auto', true, 'pretty'],
    ['auto', false, 'json'],
    ['json', true, 'json'],
    ['json', false, 'json'],
    ['pretty', true, 'pretty'],
    ['pretty', false, 'pretty'],
  ] as const)('LOG_FORMAT=%s, stdout a terminal: %s → %s', (setting, tty, expected) => {
    expect(chooseLogFormat(setting, tty)).toBe(expected);
  });
});

describe('LOG_FORMAT setting', () => {
  test('defaults to auto and accepts json and pretty', () => {
    expect(loadConfig({}).LOG_FORMAT).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
  });

  test('anything else is a configuration error naming the setting', () => {
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: .*"auto".*"json".*"pretty"/);
  });
});

describe('createLogger', () => {
  async function capture(format: LogFormat): Promise<string> {
    let text = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const logger = createLogger('info', format, sink);
    logger.info({ requestId: 'r-1' }, 'request done');
    logger.debug('below the level');
    // pino-pretty formats in a stream pipeline: let it run.
    await new Promise((resolve) => setImmediate(resolve));
    return text;
  }

  test('json: one JSON object per line', async () => {
    const text = await capture('json');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, requestId: 'r-1', msg: 'request done' });
  });

  test('pretty: a readable line with level, message and fields, no JSON', async () => {
    const text = await capture('pretty');
    expect(text).toMatch(/INFO.*request done/);
    expect(text).toMatch(/requestId: "r-1"/);
    expect(text).not.toMatch(/below the level/);
    expect(() => JSON.parse(text.trim().split('\n')[0]!)).toThrow();
  });
});
