// `prisma generate` never runs the schema engine, but the CLI insists on finding one and would try
// to download it from a host that is unreachable on offline machines. Point it at any existing
// file unless the caller already set one, so that machines with internet are unaffected.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
env.PRISMA_HIDE_UPDATE_MESSAGE ??= '1';
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
if (result.status !== 0) process.exit(result.status ?? 1);

// The trusted documents (src/generated/operations) and the tests' typed documents, so that
// `npm install` then `npm start` can run PERSISTED_OPERATIONS=only. GraphQL Code Generator is a
// development dependency: an install without them (--omit=dev) skips this, and says so.
if (existsSync(fileURLToPath(new URL('../node_modules/@graphql-codegen/cli/package.json', import.meta.url)))) {
  const codegen = spawnSync('npx', ['--no-install', 'graphql-codegen', '--config', 'codegen.ts'], { stdio: 'inherit', env });
  process.exit(codegen.status ?? 1);
}
console.log('GraphQL Code Generator is not installed: no trusted documents (run `npm run codegen` where it is).');
