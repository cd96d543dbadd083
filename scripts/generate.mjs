// `prisma generate` never runs the schema engine, but the CLI insists on finding one and would try
// to download it from a host that is unreachable on offline machines. Point it at any existing
// file unless the caller already set one, so that machines with internet are unaffected.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);
env.PRISMA_HIDE_UPDATE_MESSAGE ??= '1';
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
