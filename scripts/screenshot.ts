// `npm run screenshot`: regenerates docs/graphiql.png, the README's picture of GraphiQL after running
// the example query on the demo organization. Same setup as the browser test (test/browser/).
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { launchChromium, openGraphiQL, runExampleQuery, startDemoServer } from '../test/browser/harness.js';

const OUT = 'docs/graphiql.png';

const server = await startDemoServer();
try {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await openGraphiQL(page, server.origin);
    await runExampleQuery(page);
    await mkdir(dirname(OUT), { recursive: true });
    await page.screenshot({ path: OUT });
    console.log(`Wrote ${OUT}`);
  } finally {
    await browser.close();
  }
} finally {
  await server.close();
}
