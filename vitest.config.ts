import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// `npm test` runs on embedded PGlite; with TEST_DATABASE_URL set, the same suite runs on PostgreSQL.
export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`). Node hands the CJS build to Pothos and Yoga,
    // Vite would hand the ESM one to our code: two copies, and instanceof checks fail. Use Node's choice.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The browser test has its own command (`npm run test:browser`, vitest.browser.config.ts).
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    // One migrated database per run, copied per file or worker (global-setup.ts, worker-setup.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/worker-setup.ts'],
    // A worker runs its files one after the other in one module graph: the gateway's modules (Prisma's
    // client, the schema) load once per worker, not once per file, and PGlite is shared (database.ts).
    // Tests leave nothing global behind: spies are restored after each test.
    isolate: false,
    restoreMocks: true,
    // Files wait on processes, timers and the database as much as on the CPU.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: 'test' },
  },
});
