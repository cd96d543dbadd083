// Used by the Prisma CLI (generate). The app never reads it: it builds its own client with a
// driver adapter (src/db/client.ts) and applies migrations itself (src/db/migrate.ts).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
