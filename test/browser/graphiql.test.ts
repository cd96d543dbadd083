// GraphiQL as a new user meets it, in a real browser (`npm run test:browser`, not part of `npm test`):
// it loads with no request leaving the server (offline, behind a strict network), shows the example
// query, runs it at once with the demo token pre-filled, documents the schema, and streams a
// subscription's events as another client makes changes.
import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  DEMO_EXPENSE,
  launchChromium,
  openGraphiQL,
  queryEditorText,
  resultText,
  runExampleQuery,
  startDemoServer,
  waitForExampleQuery,
  type DemoServer,
} from './harness.js';

/** Kept after the run (gitignored) to see what the browser saw. */
const ARTIFACTS = 'test/browser/artifacts';

let server: DemoServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Every request the page and its workers made, by URL. */
const requests: string[] = [];
const pageErrors: string[] = [];

/** Requests that left the gateway (data: URLs, if any, did not). */
function offsite(): string[] {
  return requests.filter((url) => !url.startsWith('data:') && new URL(url).origin !== server.origin);
}

/** Runs the example query and returns the headers its request carried. */
async function runAndGetHeaders(): Promise<Record<string, string>> {
  const sent = page.waitForRequest((r) => r.method() === 'POST' && r.postData()?.includes('query Expenses') === true);
  await runExampleQuery(page);
  return (await sent).headers();
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  server = await startDemoServer();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.on('request', (request) => requests.push(request.url()));
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  // The last state, also (above all) when a test failed.
  await page?.screenshot({ path: `${ARTIFACTS}/graphiql-last.png` }).catch(() => undefined);
  await browser?.close();
  await server?.close();
});

test('GraphiQL loads from the gateway alone and shows the example query', async () => {
  await openGraphiQL(page, server.origin);

  expect(await page.title()).toBe('Agency GraphQL gateway');
  const query = await queryEditorText(page);
  expect(query).toContain('query Expenses');
  expect(query).not.toContain('Welcome');
  expect(pageErrors).toEqual([]);
  expect(requests).toContain(`${server.origin}/graphql`);
  // GraphiQL's assets come from the gateway, each at its own URL. The editor's workers load after
  // the editor shows, and a path is recorded once its response has gone: wait for them (a CI run
  // counted 4 of 5 when it asserted at once).
  await expect.poll(() => server.served.filter((path) => path.startsWith('/graphiql/')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
  expect(offsite()).toEqual([]);
});

test('Run executes the example query with the pre-filled demo token', async () => {
  expect((await runAndGetHeaders()).authorization).toBe(`Bearer ${server.token}`);
  const result = await resultText(page);
  expect(result).toContain(DEMO_EXPENSE);
  expect(result).not.toContain('errors');
  await page.screenshot({ path: `${ARTIFACTS}/graphiql-result.png` });
});

test('the docs explorer finds the Expense type', async () => {
  await page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]').click();
  await page.locator('.graphiql-doc-explorer-search input').fill('Expense');
  await page.locator('.graphiql-doc-explorer-search-type', { hasText: /^Expense$/ }).click();
  await expect.poll(() => page.locator('.graphiql-doc-explorer-title').innerText()).toBe('Expense');
});

test('after a restart (a new demo token), a reload runs with the new token, even if the headers were edited', async () => {
  // A user edits the headers (adds one) and runs the query with them.
  await page.getByText('Headers', { exact: true }).click();
  await page.locator('.graphiql-editor-tool .view-lines:visible').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  // Typed key by key, as a person would: the editor's auto-closed quotes and braces are typed over.
  await page.keyboard.type(JSON.stringify({ Authorization: `Bearer ${server.token}`, 'X-Request-Id': 'edited' }));
  expect((await runAndGetHeaders())['x-request-id']).toBe('edited');

  // `npm start` again: same port, a new token (the old one is unknown to the new database).
  const port = Number(new URL(server.origin).port);
  const oldToken = server.token;
  await server.close();
  server = await startDemoServer(port);
  expect(server.token).not.toBe(oldToken);

  await page.reload();
  await waitForExampleQuery(page);
  // The page came again (it holds the token); GraphiQL's scripts, styles and workers came from the
  // browser's cache (hashed URLs, cached for a year), not from the new server.
  expect(server.served).toContain('/graphql');
  expect(server.served.filter((path) => path.startsWith('/graphiql/'))).toEqual([]);
  expect((await runAndGetHeaders()).authorization).toBe(`Bearer ${server.token}`);
  expect(await page.locator('.graphiql-tab').count()).toBe(1);
});

/** A GraphQL request to the demo server, as another client of the same organization would make it. */
async function api<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${server.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`API call failed: ${JSON.stringify(body)}`);
  return body.data;
}

test('a subscription run in GraphiQL shows an approval made meanwhile by another client', async () => {
  const { expenses } = await api<{ expenses: { nodes: Array<{ id: string; name: string; approved: boolean; rejected: boolean }> } }>(
    'query { expenses(first: 20) { nodes { id name approved rejected } } }',
  );
  const pending = expenses.nodes.find((e) => !e.approved && !e.rejected);
  expect(pending, 'the demo data has an expense waiting for approval').toBeDefined();

  // Typed into the query editor as a person would (the editor closes brackets; typing over them is fine).
  await page.locator('.graphiql-query-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('subscription Approvals { expenseChanged(filter: { types: [EXPENSE_APPROVED] }) { event { type } expense { name approved } } }');
  // GraphiQL names the tab after the operation once it has parsed the new text; Run before that
  // would send the previous operation's name ("Cannot infer operation Expenses").
  await page.locator('.graphiql-tab', { hasText: 'Approvals' }).waitFor();
  // Yoga's GraphiQL sends a subscription as a GET (the document in the URL) asking for SSE.
  const started = page.waitForRequest((r) => `${r.url()} ${r.postData() ?? ''}`.includes('Approvals'));
  // Its response starts once the server listens for events (the stream is made before it answers).
  const listening = page.waitForResponse((r) => r.url().includes('Approvals'));
  await page.locator('button.graphiql-execute-button').click();
  expect((await started).headers().accept).toContain('text/event-stream');
  const response = await listening;
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('text/event-stream');

  // Another client of the organization approves the expense.
  const { approveExpense } = await api<{ approveExpense: { userErrors: unknown[] } }>(
    'mutation($id: ID!) { approveExpense(input: { id: $id }) { userErrors { message } } }',
    { id: pending!.id },
  );
  expect(approveExpense.userErrors).toEqual([]);

  await page.locator('.graphiql-response .view-lines').getByText('EXPENSE_APPROVED').waitFor({ timeout: 10_000 });
  const result = await resultText(page);
  expect(result).toContain(pending!.name);
  expect(result).toContain('"approved": true');
  await page.screenshot({ path: `${ARTIFACTS}/graphiql-subscription.png` });
  // Stop it (the Run button stops a running subscription), as a user would before leaving.
  await page.locator('button.graphiql-execute-button').click();
});

test('nothing was fetched from outside the gateway during the whole session', () => {
  expect(offsite()).toEqual([]);
  expect(pageErrors).toEqual([]);
});
