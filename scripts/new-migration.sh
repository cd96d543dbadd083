#!/usr/bin/env bash
# Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the schema as of a
# git revision (default HEAD) to the working tree's prisma/schema.prisma.
#
#   bash scripts/new-migration.sh add_contracts [REV]
#
# Prisma 7's CLI cannot download its schema engine on our machines, so this uses Prisma 6's
# JavaScript engine in a throw-away folder (see docs/migrations.md). It needs a reachable
# PostgreSQL only as the engine's connection (SHADOW_URL, default the local `postgres` database);
# nothing is written there. Review the SQL, add hand-written constraints below it, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: new-migration.sh <name> [git revision]}
rev=${2:-HEAD}
shadow=${SHADOW_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm init -y >/dev/null && npm install --silent prisma@6.19 @prisma/adapter-pg@6.19 >/dev/null 2>&1)
# Prisma 6 wants a datasource url and knows nothing of the Pothos generator.
prepare() { sed -e 's|provider = "postgresql"|provider = "postgresql"\n  url = env("DATABASE_URL")|' -e '/generator pothos/,/^}/d'; }
git show "$rev:prisma/schema.prisma" | prepare > "$work/from.prisma"
prepare < prisma/schema.prisma > "$work/to.prisma"
cat > "$work/prisma.config.ts" <<CONFIG
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: 'to.prisma',
  adapter: async () => new PrismaPg({ connectionString: '$shadow' }),
} as any);
CONFIG

dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
(cd "$work" && DATABASE_URL="$shadow" PRISMA_QUERY_ENGINE_LIBRARY="$work/package.json" PRISMA_SCHEMA_ENGINE_BINARY="$work/package.json" \
  npx prisma migrate diff --from-schema-datamodel from.prisma --to-schema-datamodel to.prisma --script) > "$dir/migration.sql"
echo "wrote $dir/migration.sql"
