// What the browser test and `npm run screenshot` share: the real app with the demo organization on
// an ephemeral port, Debian's Chromium driven by playwright-core, and the steps a new user takes in
// GraphiQL (open it, run the example query with the pre-filled token).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_EMAIL, DEMO_EXPENSE, seedDemo } from '../../src/domain/demo.js';
import { createToken } from '../../src/auth/tokens.js';
import { openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createApp } from '../../src/http/app.js';

/** Debian's package; Playwright's own browser downloads are never used (they need the internet). */
export const CHROMIUM = '/usr/bin/chromium';

/** A name of a demo expense (src/domain/demo.ts) that the example query shows on its first page. */
export { DEMO_EXPENSE };

export interface DemoServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  token: string;
  /** The path of every request this server received (what the browser did not take from its cache). */
  served: string[];
  close(): Promise<void>;
}

/** What `npm start` does, on a throw-away PGlite database and a port the system picks (or `port`). */
export async function startDemoServer(port = 0): Promise<DemoServer> {
  const db = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrate(db.scripts);
    await seedDemo(db.prisma);
    const token = await createToken(db.prisma, DEMO_EMAIL, 'browser test');
    // Warnings and errors only, on stderr: a failing request shows up in the test output.
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const app = createApp({ prisma: db.prisma, logger, graphiqlToken: token });
    const served: string[] = [];
    const server = createServer((request, response) => {
      served.push(request.url ?? '');
      void app(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return {
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token,
      served,
      async close() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox (CI runs as root), no GPU, and none of Chromium's own background traffic
    // (updates, sync, field trials), so that every request comes from the page under test.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** An editor's visible text (Monaco renders only the lines in view, with non-breaking spaces). */
async function editorText(page: Page, editor: string): Promise<string> {
  return (await page.locator(`${editor} .view-lines`).innerText()).replaceAll('\u00a0', ' ');
}

export const queryEditorText = (page: Page) => editorText(page, '.graphiql-query-editor');
export const resultText = (page: Page) => editorText(page, '.graphiql-response');

/** Waits until the editor shows the example query: GraphiQL's assets have loaded and it has rendered. */
export async function waitForExampleQuery(page: Page): Promise<void> {
  await page.locator('.graphiql-query-editor .view-lines').getByText('query Expenses').waitFor();
}

export async function openGraphiQL(page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/graphql`);
  await waitForExampleQuery(page);
}

/** Clicks Run and waits for the demo data in the result pane. */
export async function runExampleQuery(page: Page): Promise<void> {
  await page.locator('button.graphiql-execute-button').click();
  await page.locator('.graphiql-response .view-lines').getByText(DEMO_EXPENSE).waitFor();
}
