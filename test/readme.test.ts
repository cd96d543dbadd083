// The README is the front door (issue 26): short, and every promise it makes checkable. It stays
// under 15 000 bytes; its links and those of docs/*.md lead somewhere (files, folders, headings); the
// commands of its ```sh blocks (and of the docs pages') name scripts, files and CLI commands that
// exist; the settings it and docs/operations.md name are in .env.example; its Layout names every
// folder of src/. The curl query of the README is run by test/demo.test.ts, not here. Nothing here
// needs a database or a server: the files are read, and the CLI's --help runs in-process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const README = 'README.md';
const DOCS = readdirSync(path.join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
const PAGES = [README, ...DOCS];

/** The text with fenced code blocks blanked out (their lines kept, so line numbers still count). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, ' '));
}

/** The contents of the ```sh blocks, as [line number, line]. */
function shellLines(markdown: string): [number, string][] {
  const lines: [number, string][] = [];
  let inside = false;
  markdown.split('\n').forEach((line, index) => {
    if (/^```/.test(line)) inside = !inside && /^```(sh|bash|shell)\s*$/.test(line);
    else if (inside) lines.push([index + 1, line]);
  });
  return lines;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped (but `-` and `_`), spaces as `-`. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs, repeats numbered as GitHub does (-1, -2). */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(read(file)).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

interface Link {
  file: string;
  line: number;
  target: string;
}

/** The relative links and images of a page, outside code (http, https and mailto are not checked). */
function relativeLinks(file: string): Link[] {
  const text = prose(read(file)).replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length));
  const links: Link[] = [];
  for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1]!;
    if (/^(https?:|mailto:)/i.test(target)) continue;
    links.push({ file, line: text.slice(0, match.index).split('\n').length, target });
  }
  return links;
}

test('README.md is a front door: under 15 000 bytes', () => {
  const size = Buffer.byteLength(read(README));
  expect(size, `README.md is ${size} bytes; move reference material into docs/`).toBeLessThan(15_000);
});

describe('links', () => {
  const links = PAGES.flatMap(relativeLinks);

  test('the pages have links to check (the parser finds them)', () => {
    expect(links.filter((link) => link.file === README).length).toBeGreaterThan(10);
    expect(links.some((link) => link.target.includes('#'))).toBe(true);
  });

  test.each(PAGES)('every relative link and image of %s points to a file or folder that exists', (file) => {
    const broken = relativeLinks(file)
      .filter(({ target }) => {
        const [where] = target.split('#');
        return where !== '' && !existsSync(path.resolve(ROOT, path.dirname(file), decodeURIComponent(where!)));
      })
      .map(({ line, target }) => `${file}:${line} links to ${target}, which does not exist`);
    expect(broken).toEqual([]);
  });

  test.each(PAGES)('every #anchor of %s names a heading of its Markdown page', (file) => {
    const broken = relativeLinks(file)
      .filter(({ target }) => target.includes('#'))
      .flatMap(({ line, target }) => {
        const [where, anchor] = target.split('#') as [string, string];
        const page = where === '' ? file : path.relative(ROOT, path.resolve(ROOT, path.dirname(file), decodeURIComponent(where)));
        if (!page.endsWith('.md') || !existsSync(path.join(ROOT, page))) return [];
        return anchors(page).has(anchor) ? [] : [`${file}:${line} links to ${target}, but ${page} has no heading with the anchor #${anchor}`];
      });
    expect(broken).toEqual([]);
  });
});

describe('commands of the ```sh blocks', () => {
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  // Lines that run something, from the README and every docs page: [where, the command].
  const commands = PAGES.flatMap((file) =>
    shellLines(read(file)).flatMap(([line, text]) => {
      const command = text
        .replace(/(^|\s)#.*$/, '') // a comment
        .trim()
        .replace(/^([A-Z_][A-Z0-9_]*=\S*\s+)+/, ''); // VAR=value before the command
      return command ? [{ where: `${file}:${line}`, command }] : [];
    }),
  );
  const npm = commands.filter(({ command }) => /^npm\s/.test(command));
  // The CLI is checked by its own --help below; the README's curl is run by test/demo.test.ts.
  const cliLines = npm.filter(({ command }) => /^npm run( -s| --silent)? cli\b/.test(command));

  test('the README has commands to check (the parser finds them)', () => {
    expect(commands.filter(({ where }) => where.startsWith(README)).map(({ command }) => command)).toEqual(
      expect.arrayContaining(['npm install', 'npm start', 'npm test', 'npm run schema:print', 'bash .ci/run']),
    );
  });

  test('npm commands name scripts of package.json (install and ci are npm\'s own)', () => {
    const wrong = npm.flatMap(({ where, command }) => {
      if (/^npm (install|ci)\b/.test(command)) return [];
      const script = /^npm (?:(test|start)\b|run(?: -s| --silent)? ([\w:.-]+))/.exec(command);
      if (!script) return [`${where}: \`${command}\` is not an npm command this test knows (npm install, ci, test, start, run <script>)`];
      const name = script[1] ?? script[2]!;
      return name in scripts ? [] : [`${where}: \`${command}\` needs the script "${name}", which package.json does not have`];
    });
    expect(wrong).toEqual([]);
  });

  test('bash and node run files that exist', () => {
    const missing = commands.flatMap(({ where, command }) => {
      const file = /^(?:bash|node)\s+(\S+)/.exec(command)?.[1];
      return file && !existsSync(path.join(ROOT, file)) ? [`${where}: \`${command}\` runs ${file}, which does not exist`] : [];
    });
    expect(missing).toEqual([]);
  });

  test('npm run cli lines name commands and options the CLI knows (its --help, in-process)', async () => {
    expect(cliLines.length, 'docs/operations.md lists the operator commands').toBeGreaterThan(5);
    const help = async (argv: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli([...argv, '--help'], { env: {}, stdout: (s) => (out += s), stderr: (s) => (err += s) });
      return { code, out: out + err };
    };
    const wrong: string[] = [];
    for (const { where, command } of cliLines) {
      const words = command.replace(/^npm run( -s| --silent)? cli\s*(--\s*)?/, '').split(/\s+/);
      const commandPath: string[] = [];
      for (const word of words) {
        if (word.startsWith('-') || word.startsWith('[') || word.startsWith('<')) break;
        commandPath.push(word);
      }
      const own = await help(commandPath);
      // Commander answers --help of an unknown command with its parent's help: the usage line tells.
      if (own.code !== 0 || !new RegExp(`^Usage: gateway ${commandPath.join(' ')}( |$)`, 'm').test(own.out)) {
        wrong.push(`${where}: \`${command}\`: the CLI has no command "${commandPath.join(' ')}"`);
        continue;
      }
      // Options given to a command with subcommands go to its default one ("create (the default)").
      const fallback = /\b([\w-]+) \(the default\)/.exec(own.out)?.[1];
      const known = fallback ? own.out + (await help([...commandPath, fallback])).out : own.out;
      for (const option of new Set(command.match(/(?<=[\s[])--[a-z][\w-]*/g) ?? [])) {
        if (option === '--' || option === '--help' || option === '--verbose') continue;
        if (!new RegExp(`(^|[\\s,])${option}\\b`, 'm').test(known)) wrong.push(`${where}: \`${command}\`: "${commandPath.join(' ')}" has no option ${option}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('settings', () => {
  const example = read('.env.example');
  // Every setting, also those commented out (`# NODE_ENV=production`).
  const settings = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
  /** UPPER_CASE names in backticks that are not settings of the gateway, and why. */
  const NOT_SETTINGS: Record<string, string> = {
    CI: 'set by .ci/run: tests that need Redis fail instead of being skipped',
    DEBUG: 'a convention of command-line tools: the CLI prints stack traces',
    TEST_DATABASE_URL: 'for the test suite only',
    CMD: 'a Dockerfile instruction',
    ENV: 'a Dockerfile instruction',
    HEALTHCHECK: 'a Dockerfile instruction',
    GRAPHIQL_DISABLED: 'an error code the gateway answers',
    PGOPTIONS: "libpq's and node-postgres' own variable, for a bench tool's connections",
  };

  test.each([README, 'docs/operations.md'])('every setting %s names in backticks is in .env.example', (file) => {
    const text = prose(read(file));
    const missing: string[] = [];
    for (const [span] of text.matchAll(/`[^`\n]+`/g)) {
      const name = /^`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(_\*)?(=[^`]*)?`$/.exec(span);
      if (!name || name[1]!.length < 2 || name[1]! in NOT_SETTINGS) continue;
      const known = name[2] ? [...settings].some((s) => s.startsWith(`${name[1]}_`)) : settings.has(name[1]!);
      if (!known) missing.push(`${file} names ${span}, which .env.example does not list (add it, or to NOT_SETTINGS with the reason)`);
    }
    expect(missing).toEqual([]);
  });

  test('the README names some settings (the parser finds them)', () => {
    expect(prose(read(README))).toMatch(/`DATABASE_URL=/);
  });
});

describe("the README's Layout", () => {
  const readme = read(README);
  const start = readme.search(/^## Layout\s*$/m);
  const layout = readme.slice(start, start + 1 + readme.slice(start + 1).search(/^## |(?![\s\S])/m));

  test('has a Layout section', () => {
    expect(start, 'README.md has a "## Layout" section').toBeGreaterThan(0);
    expect(layout).toMatch(/src\//);
  });

  test('names every folder of src/', () => {
    const folders = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `src/${entry.name}`);
    const unnamed = folders.filter((folder) => !new RegExp(`\`${folder}/?\``).test(layout));
    expect(unnamed, 'folders of src/ the Layout section of README.md does not name').toEqual([]);
  });

  test('every path it names exists', () => {
    const paths = [...layout.matchAll(/`([\w.-]+(?:\/[\w.-]*)*)`/g)].map((m) => m[1]!).filter((p) => p.includes('/') || p.startsWith('.'));
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.filter((p) => !existsSync(path.join(ROOT, p))).map((p) => `README.md's Layout names ${p}, which does not exist`)).toEqual([]);
  });

  test('links every docs page', () => {
    const unlinked = DOCS.filter((page) => !layout.includes(`](${page})`));
    expect(unlinked, 'docs pages the Layout section of README.md does not link').toEqual([]);
  });
});
