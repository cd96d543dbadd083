import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:browser`: GraphiQL in Debian's Chromium (test/browser/), apart from `npm test` because
// it needs the browser and takes longer. Same module resolution as the main suite.
export default defineConfig({
  resolve: base.resolve,
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { NODE_ENV: 'test' },
  },
});
