// Builds the container image's layers without a container engine and runs what the image runs
// (issue 26): the machines this project is built on have no engine, and no registry to pull
// node:24-bookworm-slim from. So this reads the Dockerfile itself and carries out its
// instructions in temporary folders, one per stage (FROM, WORKDIR, COPY with .dockerignore and
// --from, RUN, ENV, USER, EXPOSE, HEALTHCHECK, CMD), on this machine's Node of the image's major
// version (the project's pinned one). Then it starts the image's CMD with the image's environment
// on PostgreSQL, checks that the HEALTHCHECK command fails before the server is ready and passes
// once it is, that development dependencies were pruned, that every line it logs is JSON, and that
// SIGTERM ends it with exit code 0.
//
//   npm run image:check     (.ci/run runs it; ~2 min, most of it the stage's npm ci)
// Env: IMAGE_CHECK_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/gateway_image_check,
// dropped and created anew); KEEP=1 keeps the folders and prints where they are.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATABASE_URL = process.env.IMAGE_CHECK_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/gateway_image_check';
const fail = (message) => {
  console.error(`image check: ${message}`);
  process.exit(1);
};
const say = (message) => console.log(`image check: ${message}`);

// ---- the Dockerfile, as instructions ----------------------------------------------------------
const lines = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const instructions = lines.map((line) => {
  const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? fail(`cannot read the line: ${line}`);
  return { op: op.toUpperCase(), rest };
});

const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
/** The build context's filter: .dockerignore's patterns (plain paths and `*.ext`, as ours are). */
const inContext = (file) => {
  const rel = path.relative(ROOT, file);
  if (rel === '') return true;
  return !ignored.some((pattern) =>
    pattern.startsWith('*.') ? rel.split(path.sep).some((part) => part.endsWith(pattern.slice(1))) : rel === pattern || rel.startsWith(`${pattern}/`),
  );
};

const engines = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node;
const major = Number(/(\d+)/.exec(engines)[1]);
if (Number(process.versions.node.split('.')[0]) !== major) fail(`run it on Node ${major} (npm run image:check), not ${process.version}`);

const work = mkdtempSync(path.join(os.tmpdir(), 'image-check-'));
const stages = [];
let stage;
/** An absolute path of the image's file system, in the current stage's folder. */
const inStage = (s, p) => path.join(s.root, path.posix.isAbsolute(p) ? p : path.posix.join(s.workdir, p));

function words(rest) {
  return rest.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
}

function envPairs(rest) {
  const pairs = {};
  for (const word of words(rest)) {
    const at = word.indexOf('=');
    if (at < 1) fail(`ENV in the KEY=value form only: ${rest}`);
    pairs[word.slice(0, at)] = word.slice(at + 1).replace(/^"(.*)"$/, '$1');
  }
  return pairs;
}

/**
 * The stage's environment for a command: this machine's (its proxy and certificate settings reach
 * the registry), without what the npm running this script set, then the image's ENV, with this
 * machine's Node of the image's version first on PATH.
 */
const machine = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_') && key !== 'INIT_CWD'));
const commandEnv = (s, extra = {}) => ({
  ...machine,
  PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
  npm_config_update_notifier: 'false',
  ...s.env,
  ...extra,
});

const started = Date.now();
for (const { op, rest } of instructions) {
  switch (op) {
    case 'FROM': {
      const [image, as, name] = words(rest);
      const tag = /^node:(\d+)-/.exec(image);
      if (!tag || Number(tag[1]) !== major) fail(`the base image ${image} is not Node ${major} (package.json's engines: ${engines})`);
      stage = { name: as?.toUpperCase() === 'AS' ? name : String(stages.length), root: path.join(work, `stage-${stages.length}`), workdir: '/', env: {} };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      break;
    }
    case 'WORKDIR':
      stage.workdir = rest;
      mkdirSync(inStage(stage, '.'), { recursive: true });
      break;
    case 'COPY': {
      const args = words(rest);
      const from = args.find((a) => a.startsWith('--from='))?.slice('--from='.length);
      const paths = args.filter((a) => !a.startsWith('--'));
      const dest = paths.pop();
      const source = from ? stages.find((s) => s.name === from) ?? fail(`COPY --from=${from}: no such stage`) : undefined;
      for (const p of paths) {
        const src = source ? inStage(source, p) : path.join(ROOT, p);
        if (!existsSync(src)) fail(`COPY ${p}: not found`);
        const target = inStage(stage, dest);
        // A file into a folder (dest ends with / or several sources), else onto dest; a folder's contents onto dest.
        const into = statSync(src).isFile() && (dest.endsWith('/') || paths.length > 1) ? path.join(target, path.basename(p)) : target;
        cpSync(src, into, { recursive: true, filter: source ? () => true : inContext });
      }
      break;
    }
    case 'RUN': {
      say(`[${stage.name}] RUN ${rest}`);
      const run = spawnSync('sh', ['-c', rest], { cwd: inStage(stage, '.'), env: commandEnv(stage), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      if (run.status !== 0) fail(`RUN ${rest} failed (exit ${run.status}):\n${run.stdout.slice(-3000)}${run.stderr.slice(-3000)}`);
      break;
    }
    case 'ENV':
      Object.assign(stage.env, envPairs(rest));
      break;
    case 'HEALTHCHECK':
      stage.healthcheck = /CMD\s+(.*)$/.exec(rest)?.[1] ?? fail(`HEALTHCHECK without CMD: ${rest}`);
      break;
    case 'CMD':
      stage.cmd = JSON.parse(rest);
      break;
    case 'USER':
    case 'EXPOSE':
      stage[op.toLowerCase()] = rest;
      break;
    default:
      fail(`an instruction this check does not know: ${op} (teach it, or keep the Dockerfile to what it knows)`);
  }
}
const image = stages.at(-1);
say(`layers built in ${Math.round((Date.now() - started) / 1000)} s`);

// ---- what the image holds ---------------------------------------------------------------------
const app = inStage(image, '.');
for (const file of ['dist/main/server.js', 'dist/generated/operations/persisted-documents.json', 'prisma/migrations']) {
  if (!existsSync(path.join(app, file))) fail(`the image lacks ${file}`);
}
for (const dev of ['tsx', 'esbuild', 'vitest', 'node', '@graphql-codegen/cli', 'dependency-cruiser', 'playwright-core']) {
  if (existsSync(path.join(app, 'node_modules', dev))) fail(`development dependency ${dev} was not pruned`);
}
if (!image.cmd || !image.healthcheck) fail('the image has no CMD or no HEALTHCHECK');
if (image.user !== 'node') fail(`the image runs as ${image.user ?? 'root'}, not as node`);

// ---- the image's command, on PostgreSQL ----------------------------------------------------------
const admin = new URL(DATABASE_URL);
const database = admin.pathname.slice(1);
admin.pathname = '/postgres';
const client = new pg.Client({ connectionString: admin.toString() });
await client.connect();
await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
await client.query(`CREATE DATABASE "${database}"`);
await client.end();

const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = server.address();
    server.close(() => resolve(p));
  });
});
const env = commandEnv(image, { DATABASE_URL, PORT: String(port), NODE_COMPILE_CACHE: path.join(work, 'compile-cache') });
const healthy = () => spawnSync('sh', ['-c', image.healthcheck], { cwd: app, env, timeout: 3_000 }).status === 0;

if (healthy()) fail('the HEALTHCHECK passes while no server runs');
const [command, ...args] = image.cmd;
const server = spawn(command === 'node' ? process.execPath : command, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
server.stdout.on('data', (chunk) => (output += chunk));
server.stderr.on('data', (chunk) => (output += chunk));
const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));

const deadline = Date.now() + 60_000;
while (!healthy()) {
  if (server.exitCode !== null) fail(`the image's command exited (${server.exitCode}):\n${output.slice(-3000)}`);
  if (Date.now() > deadline) fail(`not ready within 60 s:\n${output.slice(-3000)}`);
  await new Promise((resolve) => setTimeout(resolve, 250));
}
say(`CMD ${image.cmd.join(' ')} is ready on port ${port}; the HEALTHCHECK passes`);
const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: '{ __typename }' }),
});
const body = await answer.json();
if (answer.status !== 401 || body.errors?.[0]?.extensions?.code !== 'UNAUTHENTICATED') {
  fail(`an anonymous query should be refused with 401 UNAUTHENTICATED, got ${answer.status} ${JSON.stringify(body)}`);
}
// JSON logs (LOG_FORMAT=json): every line of the server's output is a JSON object, the banner too.
const notJson = output.split('\n').filter((line) => {
  if (!line.trim()) return false;
  try {
    return typeof JSON.parse(line) !== 'object';
  } catch {
    return true;
  }
});
if (notJson.length > 0) fail(`lines of the server's output that are not JSON (LOG_FORMAT=json): ${notJson.slice(0, 3).join(' | ')}`);
if (!output.includes('"msg":"serving"')) fail(`no "serving" record in the server's output:\n${output.slice(-2000)}`);

server.kill('SIGTERM');
const end = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 20_000))]);
if (!end) {
  server.kill('SIGKILL');
  fail('SIGTERM did not end the server within 20 s');
}
if (end.code !== 0) fail(`SIGTERM ended the server with ${JSON.stringify(end)}:\n${output.slice(-3000)}`);
say('SIGTERM ended it with exit code 0');

if (process.env.KEEP) say(`stages kept in ${work}`);
else rmSync(work, { recursive: true, force: true });
say(`passed in ${Math.round((Date.now() - started) / 1000)} s`);
