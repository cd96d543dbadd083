// docs/walkthrough.md runs as written (issue 24): a new organization from the CLI, then through the
// API alone a company, a service type, a member with a cost rate, a project and its budget, a
// service with a time entry, expenses, an invoice with an attribution, and the deal's and the
// project's money. Every `sh` block runs through the CLI's entry point, every `graphql` block over
// HTTP with the JSON block after it as its variables (`<name>` placeholders filled from earlier
// answers), and the last answer must equal the one the page shows. So the page cannot drift.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { execute, startApp, type TestApp } from './helpers/app.js';
import { runCommand } from './helpers/cli.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

interface Block {
  lang: string;
  text: string;
}

const PAGE = readFileSync(new URL('../docs/walkthrough.md', import.meta.url), 'utf8');

function blocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** Splits a command line as a shell would for these (double quotes, no escapes). */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

/** `<name>` placeholders, filled with what earlier steps answered. */
const fill = (text: string, saved: Map<string, string>) =>
  text.replace(/<(\w+)>/g, (whole, name: string) => {
    const value = saved.get(name);
    if (value === undefined) throw new Error(`${whole} is used before any step answered it`);
    return value;
  });

/** Every object under a key with an `id` saves that id under the key's name (`company`, `deal`...). */
function save(answer: unknown, saved: Map<string, string>) {
  if (answer === null || typeof answer !== 'object') return;
  for (const [key, value] of Object.entries(answer)) {
    if (value && typeof value === 'object' && 'id' in value && typeof value.id === 'string') saved.set(key, value.id);
    save(value, saved);
  }
}

test('the walkthrough answers what it shows, from an empty organization', async () => {
  // The page's names, made unique so that the test can run again on the same database.
  const unique = randomUUID().slice(0, 8);
  const page = PAGE.replaceAll('Studio North', `Studio North ${unique}`).replaceAll('studio-north.example', `studio-north-${unique}.example`);
  const all = blocks(page);
  const saved = new Map<string, string>();
  let token = '';
  let last: unknown;
  let steps = 0;

  for (let i = 0; i < all.length; i++) {
    const block = all[i]!;
    if (block.lang === 'sh') {
      for (const line of block.text.trim().split('\n')) {
        const argv = words(fill(line, saved));
        const at = argv.indexOf('--');
        expect(argv.slice(0, 2), line).toEqual(['npm', 'run']);
        const run = await runCommand(t.db, ...argv.slice(at + 1));
        expect(run.code, run.err).toBe(0);
        const organization = /Created organization (\d+)/.exec(run.out);
        if (organization) saved.set('organization', organization[1]!);
        if (argv.includes('token')) token = run.out.trim();
        steps++;
      }
    } else if (block.lang === 'graphql') {
      const variables = all[i + 1];
      expect(variables?.lang, `the JSON block after step ${steps}`).toBe('json');
      const { body } = await execute(
        t.app,
        parse(block.text) as TypedDocumentNode<Record<string, unknown>, Record<string, unknown>>,
        JSON.parse(fill(variables!.text, saved)),
        { token },
      );
      expect(body.errors, block.text).toBeUndefined();
      for (const payload of Object.values(body.data ?? {})) {
        if (payload && typeof payload === 'object' && 'userErrors' in payload) expect(payload.userErrors, block.text).toEqual([]);
      }
      save(body.data, saved);
      last = body.data;
      i++;
      steps++;
    }
  }
  expect(token).toMatch(/^\S{20,}$/);
  expect(steps).toBe(15);
  // The page's last JSON block is the answer of its last query.
  expect(last).toEqual(JSON.parse(all.at(-1)!.text));
});
