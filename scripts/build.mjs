// Compiles src/ to JavaScript in dist/ (one .js per .ts, imports unchanged) for `npm start`, the worker
// and the CLI, which then start without a TypeScript loader. esbuild rather than tsc: it compiles the
// whole of src/ in about 0.3 s, so the start scripts can rebuild whenever src/ changed and never run
// stale code; tsc stays the type checker (`npm run typecheck`, part of `npm test`).
//
//   node scripts/build.mjs             compile now
//   node scripts/build.mjs --if-stale  only when a file of src/ is newer than the last build, or a file
//                                      was added or removed (what the start scripts run: ~50 ms if not)
//   node scripts/build.mjs --optional  as the install runs it: without esbuild (an install without
//                                      development dependencies) it says so and leaves dist/ as it is
//
// The build goes to a fresh folder that replaces dist/ at once, under a lock folder, so that several
// `npm start`s at one time (the tests start many) neither build twice nor see half a dist/.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.build');
const LOCK = path.join(ROOT, '.dist.lock');

/** Every file under src/ with its modification time: what a build depends on. */
function sources() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push({ rel: path.relative(SRC, full), mtime: statSync(full).mtimeMs });
    }
  };
  walk(SRC);
  return files.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/** What the build was made from: the list of files and the newest time among them. */
const fingerprint = (files) => JSON.stringify({ files: files.map((f) => f.rel), newest: Math.max(...files.map((f) => f.mtime)) });

function upToDate(files) {
  try {
    return readFileSync(STAMP, 'utf8') === fingerprint(files);
  } catch {
    return false;
  }
}

async function build(files) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed (an install without development dependencies?): run `npm ci`, or use the container image, which is built with it');
  }
  const out = `${DIST}.tmp-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  const ts = files.filter((f) => f.rel.endsWith('.ts')).map((f) => path.join(SRC, f.rel));
  await esbuild.build({
    entryPoints: ts,
    outdir: out,
    outbase: SRC,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    sourcemap: 'linked', // stack traces (DEBUG, --verbose) point into src/
    sourcesContent: false,
    logLevel: 'warning',
  });
  // Files that code reads next to itself (the trusted documents' JSON); .graphql sources are not read at run time.
  for (const f of files.filter((f) => f.rel.endsWith('.json'))) {
    mkdirSync(path.dirname(path.join(out, f.rel)), { recursive: true });
    copyFileSync(path.join(SRC, f.rel), path.join(out, f.rel));
  }
  writeFileSync(path.join(out, '.build'), fingerprint(files));
  const old = `${DIST}.old-${process.pid}`;
  try {
    renameSync(DIST, old);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  renameSync(out, DIST);
  rmSync(old, { recursive: true, force: true });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One builder at a time; a lock left by a killed build is taken over after a minute. */
async function withLock(fn) {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 60_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

const ifStale = process.argv.includes('--if-stale');
if (process.argv.includes('--optional')) {
  try {
    await import('esbuild');
  } catch {
    console.log('esbuild is not installed (no development dependencies): src/ is not compiled; dist/ is left as it is.');
    process.exit(0);
  }
}
try {
  if (ifStale && upToDate(sources())) process.exit(0);
  await withLock(async () => {
    const files = sources(); // again: another builder may have finished while this one waited
    if (ifStale && upToDate(files)) return;
    const started = performance.now();
    await build(files);
    if (!ifStale) console.error(`Compiled src/ to dist/ in ${Math.round(performance.now() - started)} ms.`);
  });
} catch (error) {
  console.error(`Could not compile src/ to dist/: ${error.message}`);
  process.exit(1);
}
