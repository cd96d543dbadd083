-- Bulk exports (issue 27): a query run in the background over every page of one connection, its
-- rows kept as JSON-lines chunks in the database (several instances may serve the download).
CREATE TABLE "bulk_exports" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "token_hash" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'CREATED',
    "row_count" INTEGER NOT NULL DEFAULT 0,
    "total_count" INTEGER,
    "cursor" TEXT,
    "chunk_count" INTEGER NOT NULL DEFAULT 0,
    "byte_count" BIGINT NOT NULL DEFAULT 0,
    "row_cost" INTEGER NOT NULL DEFAULT 1,
    "cost" BIGINT NOT NULL DEFAULT 0,
    "runner" TEXT,
    "heartbeat_at" TIMESTAMPTZ(3),
    "error_code" TEXT,
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    CONSTRAINT "bulk_exports_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "bulk_exports_status_check" CHECK ("status" IN ('CREATED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'EXPIRED'))
);
CREATE UNIQUE INDEX "bulk_exports_organization_id_id_key" ON "bulk_exports"("organization_id", "id");
CREATE INDEX "bulk_exports_status_heartbeat_at_idx" ON "bulk_exports"("status", "heartbeat_at");
-- One unfinished export per token: of concurrent starts, one inserts and the others meet this index.
CREATE UNIQUE INDEX "bulk_exports_one_unfinished_per_token" ON "bulk_exports"("token_hash") WHERE "status" IN ('CREATED', 'RUNNING');
ALTER TABLE "bulk_exports" ADD CONSTRAINT "bulk_exports_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;
ALTER TABLE "bulk_exports" ADD CONSTRAINT "bulk_exports_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

CREATE TABLE "bulk_export_chunks" (
    "organization_id" INTEGER NOT NULL,
    "export_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "rows" INTEGER NOT NULL,
    "data" TEXT NOT NULL,
    CONSTRAINT "bulk_export_chunks_pkey" PRIMARY KEY ("export_id", "seq")
);
ALTER TABLE "bulk_export_chunks" ADD CONSTRAINT "bulk_export_chunks_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;
ALTER TABLE "bulk_export_chunks" ADD CONSTRAINT "bulk_export_chunks_organization_id_export_id_fkey" FOREIGN KEY ("organization_id", "export_id") REFERENCES "bulk_exports"("organization_id", "id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- A row never moves to another organization (20261201010000's guard, on every tenant table).
CREATE TRIGGER "bulk_exports_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "bulk_exports" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "bulk_export_chunks_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "bulk_export_chunks" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
