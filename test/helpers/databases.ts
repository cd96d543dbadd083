// Throw-away PostgreSQL databases beside the test database (same server, user and settings), for
// tests whose process or queue must see nothing of the other tests' rows. Created and dropped
// through the server's `postgres` database; names are checked, since they are spliced into SQL.
import pg from 'pg';

/** Runs a query on the server's `postgres` database of `url`. */
async function queryServer<T>(url: string, sql: string, params: unknown[]): Promise<T[]> {
  const target = new URL(url);
  target.pathname = '/postgres';
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs statements on the server's `postgres` database of `url` (databases are made and dropped there). */
async function onServer(url: string, ...statements: string[]): Promise<void> {
  const target = new URL(url);
  target.pathname = '/postgres';
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

function databaseName(url: string): string {
  const name = new URL(url).pathname.slice(1);
  if (!/^\w+$/.test(name)) throw new Error(`Unexpected database name ${name}`);
  return name;
}

/** Drops the database `url` names (connections included) and creates it empty. */
export async function recreateDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await onServer(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `CREATE DATABASE "${name}"`);
}

/** A new empty database named `<url's database>_<suffix>` on the same server; its URL. */
export async function siblingDatabase(url: string, suffix: string): Promise<string> {
  const sibling = siblingUrl(url, suffix);
  await recreateDatabase(sibling);
  return sibling;
}

/** Drops the database `url` names, closing its connections. */
export async function dropDatabase(url: string): Promise<void> {
  await onServer(url, `DROP DATABASE IF EXISTS "${databaseName(url)}" WITH (FORCE)`);
}

/** `<url's database>_<suffix>`: the database a worker (or a test) uses beside the suite's. */
export function siblingUrl(url: string, suffix: string): string {
  const target = new URL(url);
  target.pathname = `/${databaseName(url)}_${suffix}`;
  databaseName(target.toString());
  return target.toString();
}

/** A new database `<url's database>_<suffix>`, a copy of `url`'s (which nobody may be connected to). */
export async function cloneDatabase(url: string, suffix: string): Promise<string> {
  const clone = siblingUrl(url, suffix);
  await onServer(url, `DROP DATABASE IF EXISTS "${databaseName(clone)}" WITH (FORCE)`, `CREATE DATABASE "${databaseName(clone)}" TEMPLATE "${databaseName(url)}"`);
  return clone;
}

/** Drops every database named `<url's database>_<prefix><digits>...` (workers' clones and their siblings). */
export async function dropDatabases(url: string, prefix: string): Promise<void> {
  const pattern = `^${databaseName(url)}_${prefix}[0-9]+(_|$)`;
  const rows = await queryServer<{ datname: string }>(url, 'SELECT datname FROM pg_database WHERE datname ~ $1', [pattern]);
  for (const { datname } of rows) await onServer(url, `DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
}
