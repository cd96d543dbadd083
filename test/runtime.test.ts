// The runtime and the build (issue 25): the suite, `npm start`, the worker and the CLI run on the
// pinned Node 24 that `npm install` brings (package.json's `node` development dependency), whatever
// the system's Node is; they run compiled JavaScript from dist/ (scripts/build.mjs), rebuilt when src/
// changed; an older Node is refused with a sentence that says what to do.
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkRuntime, ConfigError, MIN_NODE_MAJOR } from '../src/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: { ...process.env, npm_config_update_notifier: 'false' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the runtime', () => {
  test('the suite itself runs on the pinned Node, the one engines asks for', () => {
    expect(pkg.devDependencies.node).toMatch(/^\d+\.\d+\.\d+$/);
    expect(process.versions.node).toBe(pkg.devDependencies.node);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(MIN_NODE_MAJOR);
    expect(pkg.engines.node).toBe(`>=${MIN_NODE_MAJOR}.11`);
  });

  test('an npm script finds the pinned Node before the system one', async () => {
    const { code, stdout } = await run('npm', ['exec', '--', 'node', '-p', 'process.versions.node']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.devDependencies.node);
  });

  test('an older Node is refused with what to do instead', () => {
    expect(() => checkRuntime('20.20.2')).toThrow(ConfigError);
    expect(() => checkRuntime('20.20.2')).toThrow(
      'This gateway needs Node.js 24 or later; this is Node.js 20.20.2. Run it through npm (`npm start`, `npm run cli`), which uses the Node.js that `npm install` put in node_modules, or use the container image.',
    );
    expect(() => checkRuntime('22.12.0')).toThrow(ConfigError);
    expect(() => checkRuntime('24.11.0')).not.toThrow();
    expect(() => checkRuntime('26.0.0')).not.toThrow();
  });
});

describe('the build', () => {
  test('the start scripts run compiled JavaScript, not TypeScript through a loader', () => {
    for (const script of ['start', 'worker', 'cli']) {
      expect(pkg.scripts[script]).toMatch(/^node scripts\/build\.mjs --if-stale && NODE_COMPILE_CACHE=\S+ exec node dist\/\S+\.js$/);
      expect(pkg.scripts[script]).not.toContain('tsx');
    }
    expect(pkg.dependencies.tsx).toBeUndefined();
  });

  test('the CLI runs from dist/, which is up to date with src/', async () => {
    const { code, stdout, stderr } = await run('npm', ['run', '-s', 'cli', '--', '--help']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: gateway [options] [command]');
    // The build wrote what it was made from; a second check finds nothing to do and says nothing.
    expect(statSync(`${ROOT}/dist/cli/index.js`).isFile()).toBe(true);
    const stamp = JSON.parse(readFileSync(`${ROOT}/dist/.build`, 'utf8'));
    expect(stamp.files).toContain('cli/index.ts');
    expect(stamp.files).toContain('main/server.ts');
    const again = await run('node', ['scripts/build.mjs', '--if-stale']);
    expect(again).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
