// For a PostgreSQL run: start from an empty database and migrate it once, with the project's own
// runner (the same code `npm start` uses). PGlite runs need nothing: each file opens its own.
import { openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { recreateDatabase } from './databases.js';

export default async function setup() {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
  await recreateDatabase(url);
  const db = await openDatabase({ url });
  await migrate(db.scripts);
  await db.close();
}
