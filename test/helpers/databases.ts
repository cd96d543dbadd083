// Throw-away PostgreSQL databases beside the test database (same server, user and settings), for
// tests whose process or queue must see nothing of the other tests' rows. Created and dropped
// through the server's `postgres` database; names are checked, since they are spliced into SQL.
import pg from 'pg';

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
  const target = new URL(url);
  target.pathname = `/${databaseName(url)}_${suffix}`;
  await recreateDatabase(target.toString());
  return target.toString();
}

/** Drops the database `url` names, closing its connections. */
export async function dropDatabase(url: string): Promise<void> {
  await onServer(url, `DROP DATABASE IF EXISTS "${databaseName(url)}" WITH (FORCE)`);
}
