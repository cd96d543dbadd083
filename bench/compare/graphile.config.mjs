// PostGraphile 5 anchor config (run by run.sh on Node 22 from node_modules/.bin/node: PostGraphile 5 needs
// Node >= 22, it calls Promise.withResolvers). Env: DATABASE_URL (required), PG_SCHEMA (comma list, default
// public), PORT (default 5778), PG_POOL_MAX (default 10, pg's default), PG_FILTER=1 to add connection-filter,
// PG_IGNORE_INDEXES=1 to allow filter/orderBy on unindexed columns (V5 hides them by default),
// PG_EXPORT_SDL=<file> to write the schema SDL there at start-up. Amber preset + simplify-inflection,
// GraphiQL and explain off, production mode (errors masked; the server log has the details).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
export default {
  extends: [
    PostGraphileAmberPreset,
    PgSimplifyInflectionPreset,
    ...(process.env.PG_FILTER === "1" ? [PostGraphileConnectionFilterPreset] : []),
  ],
  ...(process.env.PG_IGNORE_INDEXES === "1" ? { disablePlugins: ["PgIndexBehaviorsPlugin"] } : {}),
  pgServices: [makePgService({
    connectionString: process.env.DATABASE_URL,
    poolConfig: { max: Number(process.env.PG_POOL_MAX || 10) },
    schemas: (process.env.PG_SCHEMA || "public").split(","),
  })],
  schema: { exportSchemaSDLPath: process.env.PG_EXPORT_SDL || undefined, sortExport: true },
  grafserv: { port: Number(process.env.PORT || 5778), graphiql: false },
  grafast: { explain: false },
};
