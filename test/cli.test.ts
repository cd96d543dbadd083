// Operator commands: their building blocks (the demo seed, tokens, the benchmark data generator),
// and the commands themselves through the CLI's entry point -- `runCli` from src/cli/index.ts,
// with argv as typed and the test's database; once as a real process, as an operator runs it.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generate } from '../src/cli/generate.js';
import { runCli } from '../src/cli/index.js';
import { DEMO_EMAIL, seedDemo } from '../src/domain/demo.js';
import { createToken, hashToken, revokeTokens } from '../src/auth/tokens.js';
import { DEMO_TOKEN_FILE, demoToken } from '../src/auth/demo-token.js';
import { expenseMoneyColumns } from '../src/money/expense-amounts.js';
import { graphql } from './generated/index.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';
import { refused, runCommand } from './helpers/cli.js';
import { migratedFolder } from './helpers/database.js';
import { SPAWN_TIMEOUT } from './helpers/processes.js';

const Demo = graphql(`
  query CliDemo {
    viewer { person { email } organization { name defaultCurrency } }
    expenses(first: 200) { totalCount nodes { approvalStatus } }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

test('the demo seed runs once, and a token made for it opens the API', async () => {
  const first = await seedDemo(t.db.prisma);
  const again = await seedDemo(t.db.prisma);
  expect(first.created).toBe(true);
  expect(again).toEqual({ created: false, organizationId: first.organizationId });

  const token = await createToken(t.db.prisma, DEMO_EMAIL, 'cli test');
  const stored = await t.db.prisma.apiToken.findMany({ where: { name: 'cli test' } });
  expect(stored).toHaveLength(1);
  expect(stored[0]!.tokenHash).not.toContain(token.slice(4, 20));
  const result = await data(t.app, Demo, {}, { token });
  expect(result.viewer.person.email).toBe(DEMO_EMAIL);
  expect(result.viewer.organization).toEqual({ name: 'Demo Agency', defaultCurrency: 'USD' });
  expect(result.expenses.totalCount).toBe(8);
  expect(result.expenses.nodes.map((n) => n.approvalStatus).sort()).toEqual([
    'APPROVED', 'APPROVED', 'NOT_APPROVED', 'NOT_APPROVED', 'NOT_APPROVED', 'NOT_APPROVED', 'NOT_APPROVED', 'REJECTED',
  ]);

  expect(await revokeTokens(t.db.prisma, DEMO_EMAIL, 'cli test')).toBe(1);
  expect((await execute(t.app, Demo, {}, { token })).status).toBe(401);
});

test('token rotate-demo: a new demo token kept in DATA_DIR, the old one revoked; kept as it is otherwise', async () => {
  await seedDemo(t.db.prisma);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gateway-demo-token-'));
  try {
    const rotate = async () => {
      let out = '';
      let err = '';
      const code = await runCli(['token', 'rotate-demo'], { database: t.db, env: { DATA_DIR: dataDir }, stdout: (s) => (out += s), stderr: (s) => (err += s) });
      expect(code, err).toBe(0);
      return out.trim();
    };
    const first = await rotate();
    expect(first).toMatch(/^agw_\S+$/);
    expect((await readFile(path.join(dataDir, DEMO_TOKEN_FILE), 'utf8')).trim()).toBe(first);
    expect((await data(t.app, Demo, {}, { token: first })).viewer.person.email).toBe(DEMO_EMAIL);
    // What npm start does: the kept one, unchanged.
    expect(await demoToken(t.db.prisma, dataDir, DEMO_EMAIL)).toEqual({ token: first, status: 'kept' });

    const second = await rotate();
    expect(second).not.toBe(first);
    expect((await execute(t.app, Demo, {}, { token: first })).status).toBe(401);
    expect((await data(t.app, Demo, {}, { token: second })).viewer.person.email).toBe(DEMO_EMAIL);

    // Revoked by other means (token revoke): the next start makes a new one rather than print a dead one.
    await t.db.prisma.apiToken.updateMany({ where: { tokenHash: hashToken(second) }, data: { revokedAt: new Date() } });
    const replaced = await demoToken(t.db.prisma, dataDir, DEMO_EMAIL);
    expect(replaced.status).toBe('created');
    expect(replaced.token).not.toBe(second);
    // A garbled file is no token: replaced too, never printed.
    await writeFile(path.join(dataDir, DEMO_TOKEN_FILE), 'not a token\n');
    expect((await demoToken(t.db.prisma, dataDir, DEMO_EMAIL)).status).toBe('created');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('the generator spreads expenses over organizations with consistent money', async () => {
  const { organizationIds } = await generate(t.db.prisma, { expenses: 600, organizations: 2, dealsPerOrganization: 10, batchSize: 250 });
  expect(organizationIds).toHaveLength(2);
  for (const organizationId of organizationIds) {
    expect(await t.db.prisma.expense.count({ where: { organizationId } })).toBe(300);
    expect(await t.db.prisma.deal.count({ where: { organizationId } })).toBe(10);
  }
  const sample = await t.db.prisma.expense.findMany({ take: 50, include: { deal: true }, where: { organizationId: organizationIds[1]! } });
  for (const e of sample) {
    expect(e.deal.organizationId).toBe(organizationIds[1]);
    expect(
      expenseMoneyColumns({
        amount: e.amount, billableAmount: e.billableAmount, currency: e.currency, exchangeRate: e.exchangeRate.toString(),
        deal: { currency: e.deal.currency, exchangeRate: e.deal.exchangeRate.toString() },
      }),
    ).toEqual({
      amountDefault: e.amountDefault, amountNormalized: e.amountNormalized, billableAmountDefault: e.billableAmountDefault,
      normalizedCurrency: e.normalizedCurrency, profitNormalized: e.profitNormalized, profitDefault: e.profitDefault,
    });
  }
});

// ---- The commands, through the CLI's entry point ---------------------------------------------

const cli = (...argv: string[]) => runCommand(t.db, ...argv);

const unique = () => randomUUID().slice(0, 8);
const newEmail = () => `cli-${unique()}@test.example`;

async function newOrganization(currency = 'EUR'): Promise<number> {
  const run = await cli('org', 'create', '--name', `CLI org ${unique()}`, '--currency', currency);
  expect(run.code, run.err).toBe(0);
  return Number(/Created organization (\d+)/.exec(run.out)![1]);
}

async function newMember(organizationId: number, email = newEmail()): Promise<string> {
  const run = await cli('member', 'add', '--email', email, '--org', String(organizationId), '--first-name', 'Ada', '--last-name', 'Lovelace');
  expect(run.code, run.err).toBe(0);
  return email;
}

describe('org create', () => {
  test('creates an organization with its default currency and prints its id', async () => {
    const name = `Agency ${unique()}`;
    const run = await cli('org', 'create', '--name', `  ${name} `, '--currency', 'eur');
    expect(run.code, run.err).toBe(0);
    const id = Number(/^Created organization (\d+) \((.+)\), default currency EUR\.$/m.exec(run.out)![1]);
    expect(await t.db.prisma.organization.findUnique({ where: { id }, select: { name: true, defaultCurrency: true } })).toEqual({
      name,
      defaultCurrency: 'EUR',
    });
    expect(run.out).toContain(`member add --org ${id}`);
  });

  test('the currency defaults to USD', async () => {
    const run = await cli('org', 'create', '--name', `Agency ${unique()}`);
    expect(run.out).toMatch(/default currency USD\./);
  });

  test('a bad currency, a blank or missing name, and a name already taken are refused; nothing is created', async () => {
    const name = `Refused ${unique()}`;
    refused(await cli('org', 'create', '--name', name, '--currency', 'XYZ'), /^error: option '--currency <code>' argument 'XYZ' is invalid\. It is not a valid currency/);
    refused(await cli('org', 'create', '--name', '   '), /^error: option '--name <name>' argument '   ' is invalid\. It can't be blank\./);
    refused(await cli('org', 'create'), /^error: required option '--name <name>' not specified/);
    expect(await t.db.prisma.organization.count({ where: { name } })).toBe(0);

    const taken = `Taken ${unique()}`;
    const id = Number(/organization (\d+)/.exec((await cli('org', 'create', '--name', taken)).out)![1]);
    refused(await cli('org', 'create', '--name', taken.toUpperCase()), new RegExp(`^error: --name: an organization named "${taken}" already exists \\(id ${id}\\)`));
    expect(await t.db.prisma.organization.count({ where: { name: { equals: taken, mode: 'insensitive' } } })).toBe(1);
  });
});

describe('member add', () => {
  test('creates a new person, adds them, and a token made for them opens their organization', async () => {
    const organizationId = await newOrganization('GBP');
    const email = newEmail();
    const run = await cli('member', 'add', '--email', email, '--org', String(organizationId), '--first-name', 'Ada', '--last-name', 'Lovelace', '--role', 'admin');
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(new RegExp(`^Added Ada Lovelace <${email}> \\(new person \\d+\\) to organization ${organizationId} \\(CLI org \\w+\\) as admin\\.$`, 'm'));
    const person = await t.db.prisma.person.findUniqueOrThrow({ where: { email }, include: { memberships: true } });
    expect(person).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    expect(person.memberships.map((m) => [m.organizationId, m.role])).toEqual([[organizationId, 'admin']]);

    const created = await cli('token', '--email', email, '--name', 'laptop');
    expect(created.code, created.err).toBe(0);
    const token = created.out.trim();
    const result = await data(t.app, Demo, {}, { token });
    expect(result.viewer.person.email).toBe(email);
    expect(result.viewer.organization.defaultCurrency).toBe('GBP');
  });

  test('an existing person joins a second organization without names; their names are kept', async () => {
    const first = await newOrganization();
    const second = await newOrganization();
    const email = await newMember(first);
    const run = await cli('member', 'add', '--email', email, '--org', String(second));
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^Added Ada Lovelace <.+> \(existing person \d+\) to organization \d+ \(.+\) as member\.$/m);
    const memberships = await t.db.prisma.membership.findMany({ where: { person: { email } }, orderBy: { organizationId: 'asc' } });
    expect(memberships.map((m) => m.organizationId)).toEqual([first, second]);
  });

  test('an unknown organization, a duplicate membership, a new person without names and a bad email are refused; nothing is written', async () => {
    const organizationId = await newOrganization();
    const email = await newMember(organizationId);

    refused(await cli('member', 'add', '--email', email, '--org', '2147483647'), /^error: --org: no organization with id 2147483647$/m);
    refused(
      await cli('member', 'add', '--email', email, '--org', String(organizationId)),
      new RegExp(`^error: ${email} is already a member of organization ${organizationId} \\(CLI org \\w+\\), as member$`, 'm'),
    );
    const stranger = newEmail();
    refused(
      await cli('member', 'add', '--email', stranger, '--org', String(organizationId), '--last-name', 'Only'),
      new RegExp(`^error: --first-name: required to create ${stranger}, who is not a person yet$`, 'm'),
    );
    refused(
      await cli('member', 'add', '--email', stranger, '--org', String(organizationId)),
      /^error: --first-name and --last-name: required to create/,
    );
    refused(await cli('member', 'add', '--email', 'not-an-email', '--org', String(organizationId)), /^error: option '--email <email>' argument 'not-an-email' is invalid\. It is not an email address\./);
    refused(await cli('member', 'add', '--email', stranger, '--org', 'acme'), /^error: option '--org <id>' argument 'acme' is invalid\. It must be an organization id/);
    refused(await cli('member', 'add', '--email', stranger, '--org', String(organizationId), '--role', 'owner'), /^error: option '--role <role>' argument 'owner' is invalid\. Allowed choices are member, admin\./);

    expect(await t.db.prisma.person.count({ where: { email: stranger } })).toBe(0);
    expect(await t.db.prisma.membership.count({ where: { organizationId } })).toBe(1);
    expect(await t.db.prisma.membership.count({ where: { person: { email } } })).toBe(1);
  });
});

describe('token create, list and revoke', () => {
  /** A person with tokens: two named "laptop", one "ci"; their ids and secrets. */
  async function personWithTokens() {
    const email = await newMember(await newOrganization());
    const made: Array<{ id: number; secret: string; name: string }> = [];
    for (const name of ['laptop', 'ci', 'laptop']) {
      const run = await cli('token', 'create', '--email', email, '--name', name);
      expect(run.code, run.err).toBe(0);
      const secret = run.out.trim();
      const { id } = await t.db.prisma.apiToken.findFirstOrThrow({ where: { person: { email }, name }, orderBy: { id: 'desc' }, select: { id: true } });
      made.push({ id, secret, name });
    }
    return { email, tokens: made };
  }

  const ask = async (secret: string) => (await execute(t.app, Demo, {}, { token: secret })).status;

  test('an unknown email: one line naming it, exit code 1, no stack trace', async () => {
    refused(await cli('token', '--email', 'nobody@example.com'), /^error: --email: no person with email nobody@example\.com \(add one with: npm run cli -- member add/);
    refused(await cli('token', 'list', '--email', 'nobody@example.com'), /^error: --email: no person with email nobody@example\.com/);
    refused(await cli('token', 'revoke', '--email', 'nobody@example.com', '--name', 'x'), /^error: --email: no person with email/);
  });

  test('--verbose and DEBUG add the stack trace', async () => {
    const verbose = await cli('--verbose', 'token', '--email', 'nobody@example.com');
    expect(verbose.code).toBe(1);
    expect(verbose.err).toMatch(/^error: --email: no person with email nobody@example\.com/);
    expect(verbose.err).toMatch(/^\s+at .*tokens\.ts/m);

    let err = '';
    const code = await runCli(['token', '--email', 'nobody@example.com'], { database: t.db, env: { DEBUG: '1' }, stdout: () => undefined, stderr: (s) => (err += s) });
    expect(code).toBe(1);
    expect(err).toMatch(/^\s+at /m);
  });

  test('list shows id, person, name, created and revoked, and never a secret or its hash', async () => {
    const { email, tokens } = await personWithTokens();
    await t.db.prisma.apiToken.update({ where: { id: tokens[1]!.id }, data: { revokedAt: new Date('2026-01-02T03:04:05.678Z') } });
    const run = await cli('token', 'list', '--email', email);
    expect(run.code, run.err).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+PERSON\s+NAME\s+CREATED\s+REVOKED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      [String(tokens[0]!.id), email, 'laptop', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), '-'],
      [String(tokens[1]!.id), email, 'ci', expect.any(String), '2026-01-02T03:04:05Z'],
      [String(tokens[2]!.id), email, 'laptop', expect.any(String), '-'],
    ]);
    const hashes = await t.db.prisma.apiToken.findMany({ where: { person: { email } }, select: { tokenHash: true } });
    const all = await cli('token', 'list');
    expect(all.out).toContain(email);
    for (const text of [run.out, all.out]) {
      for (const { secret } of tokens) expect(text).not.toContain(secret.slice(4, 20));
      for (const { tokenHash } of hashes) expect(text).not.toContain(tokenHash.slice(0, 16));
    }
  });

  test('a person without tokens', async () => {
    const email = await newMember(await newOrganization());
    expect(await cli('token', 'list', '--email', email)).toEqual({ code: 0, out: `${email} has no tokens.\n`, err: '' });
  });

  test('revoke by id: the token stops working; again changes nothing and says so', async () => {
    const { tokens } = await personWithTokens();
    const [target, other] = [tokens[0]!, tokens[1]!];
    expect(await ask(target.secret)).toBe(200);

    const run = await cli('token', 'revoke', '--id', String(target.id));
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(new RegExp(`^Revoked token ${target.id} \\(laptop\\) of `));
    expect(await ask(target.secret)).toBe(401);
    expect(await ask(other.secret)).toBe(200);

    const { revokedAt } = await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: target.id } });
    const again = await cli('token', 'revoke', '--id', String(target.id));
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/was already revoked at .*; nothing changed\./);
    expect((await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: target.id } })).revokedAt).toEqual(revokedAt);
  });

  test('revoke by email and name: every active token of that name, no other', async () => {
    const { email, tokens } = await personWithTokens();
    const run = await cli('token', 'revoke', '--email', email, '--name', 'laptop');
    expect(run.code, run.err).toBe(0);
    expect(run.out).toBe(`Revoked 2 tokens (id ${tokens[0]!.id}, ${tokens[2]!.id}) named "laptop" of ${email}.\n`);
    expect([await ask(tokens[0]!.secret), await ask(tokens[1]!.secret), await ask(tokens[2]!.secret)]).toEqual([401, 200, 401]);
    expect((await cli('token', 'revoke', '--email', email, '--name', 'laptop')).out).toMatch(/already revoked; nothing changed/);
  });

  test('revoke: unknown id or name, and missing or conflicting options are refused', async () => {
    const { email, tokens } = await personWithTokens();
    refused(await cli('token', 'revoke', '--id', '2147483647'), /^error: --id: no token with id 2147483647 \(see: npm run cli -- token list\)$/m);
    refused(await cli('token', 'revoke', '--email', email, '--name', 'phone'), new RegExp(`^error: --name: ${email} has no token named "phone"`));
    refused(await cli('token', 'revoke'), /^error: token revoke: give --id, or --email with --name/);
    refused(await cli('token', 'revoke', '--email', email), /^error: token revoke: --name is required with --email$/m);
    refused(await cli('token', 'revoke', '--name', 'laptop'), /^error: token revoke: --email is required with --name$/m);
    refused(await cli('token', 'revoke', '--id', String(tokens[0]!.id), '--email', email), /^error: token revoke: give either --id, or --email with --name, not both/);
    refused(await cli('token', 'revoke', '--id', '-3'), /^error: option '--id <id>' argument '-3' is invalid/);
    expect(await t.db.prisma.apiToken.count({ where: { person: { email }, revokedAt: { not: null } } })).toBe(0);
  });
});

describe('the command line', () => {
  test('--help lists every command; an unknown command or option is refused by name', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const command of ['migrate', 'seed', 'org', 'member', 'token', 'generate']) expect(help.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const tokenHelp = await cli('token', '--help');
    for (const command of ['create', 'list', 'revoke']) expect(tokenHelp.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));

    // Commander may add a "(Did you mean ...?)" line: welcome, so only the first line is checked.
    const command = await cli('tokens');
    expect(command.code).toBe(1);
    expect(command.err).toMatch(/^error: unknown command 'tokens'/);
    const option = await cli('token', 'list', '--mail', 'x@y');
    expect(option.code).toBe(1);
    expect(option.err).toMatch(/^error: unknown option '--mail'/);
  });

  test('as an operator runs it: the unknown email of issue 8 is one line on stderr and exit code 1', async () => {
    const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
    const dataDir = await migratedFolder(await mkdtemp(path.join(tmpdir(), 'gateway-cli-')));
    try {
      // An empty DATABASE_URL also keeps a developer's .env from pointing the CLI at their database.
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' };
      delete env.DEBUG;
      // `npm run cli`, as docs/operations.md says: the compiled CLI (dist/) on the pinned Node.
      const child = spawn('npm', ['run', '-s', 'cli', '--', 'token', '--email', 'nobody@example.com'], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout!.on('data', (chunk) => (out += chunk));
      child.stderr!.on('data', (chunk) => (err += chunk));
      // 'close', not 'exit': by then stdout and stderr have been read to the end.
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      refused({ code: code ?? -1, out, err }, /^error: --email: no person with email nobody@example\.com /);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, SPAWN_TIMEOUT);
});
