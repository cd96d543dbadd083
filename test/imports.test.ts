// The folders of src/ depend on each other in one direction only, without cycles: the layers and
// their order are in .dependency-cruiser.cjs. A change that imports upward (a domain file reaching
// for the schema, an entry point's module imported from below) or closes a cycle fails here, with
// dependency-cruiser's account of the path.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

test('imports point down (main, cli > http > schema > limits > domain, changes, webhooks, auth > db, money, observability) and close no cycle', async () => {
  const result = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
  expect(result.output.trim()).toMatch(/^✔ no dependency violations found/);
  expect(result.code).toBe(0);
}, 60_000);
