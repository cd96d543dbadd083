-- Uniform soft delete: every model that can be deleted records when (deleted_at) and by whom
-- (deleter_id, a member of the row's organization), as expenses already did. The recycle bin
-- reads both for every item type.
ALTER TABLE "companies" ADD COLUMN "deleter_id" INTEGER;
ALTER TABLE "projects" ADD COLUMN "deleter_id" INTEGER;
ALTER TABLE "deals" ADD COLUMN "deleter_id" INTEGER;
ALTER TABLE "service_types" ADD COLUMN "deleter_id" INTEGER;

ALTER TABLE "companies" ADD CONSTRAINT "companies_deleter_id_fkey" FOREIGN KEY ("deleter_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;
ALTER TABLE "companies" ADD CONSTRAINT "companies_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;
ALTER TABLE "projects" ADD CONSTRAINT "projects_deleter_id_fkey" FOREIGN KEY ("deleter_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;
ALTER TABLE "projects" ADD CONSTRAINT "projects_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;
ALTER TABLE "deals" ADD CONSTRAINT "deals_deleter_id_fkey" FOREIGN KEY ("deleter_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;
ALTER TABLE "deals" ADD CONSTRAINT "deals_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;
ALTER TABLE "service_types" ADD CONSTRAINT "service_types_deleter_id_fkey" FOREIGN KEY ("deleter_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;
ALTER TABLE "service_types" ADD CONSTRAINT "service_types_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- Hand-written: a deleter only on a deleted row.
ALTER TABLE "companies" ADD CONSTRAINT "companies_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "projects" ADD CONSTRAINT "projects_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "deals" ADD CONSTRAINT "deals_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "service_types" ADD CONSTRAINT "service_types_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "expenses" ADD CONSTRAINT "expenses_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);

-- Hand-written (Prisma's schema cannot express partial indexes): one index per list order, each
-- starting with organization_id, ending with id (the tie-break and keyset key) and holding only
-- live rows, which are the only ones lists show. A page in any order is then an index range scan
-- from the cursor, and counts are index-only scans. Descending orders scan the same indexes
-- backwards. They replace the plain (organization_id, name) and (organization_id, date, id).
DROP INDEX IF EXISTS "expenses_organization_id_date_id_idx";
DROP INDEX IF EXISTS "expenses_organization_id_name_idx";
DROP INDEX IF EXISTS "companies_organization_id_name_idx";

CREATE INDEX "expenses_live_id_idx" ON "expenses" ("organization_id", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_name_idx" ON "expenses" ("organization_id", "name", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_date_idx" ON "expenses" ("organization_id", "date", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_pay_on_idx" ON "expenses" ("organization_id", "pay_on", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_paid_on_idx" ON "expenses" ("organization_id", "paid_on", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_amount_idx" ON "expenses" ("organization_id", "amount_default", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_billable_amount_idx" ON "expenses" ("organization_id", "billable_amount_default", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_profit_idx" ON "expenses" ("organization_id", "profit_default", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_created_at_idx" ON "expenses" ("organization_id", "created_at", "id") WHERE "deleted_at" IS NULL;
-- SERVICE_TYPE_NAME: service types in name order, then each one's expenses by id.
CREATE INDEX "expenses_live_service_type_idx" ON "expenses" ("organization_id", "service_type_id", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "service_types_live_name_idx" ON "service_types" ("organization_id", "name", "id") WHERE "deleted_at" IS NULL;

CREATE INDEX "companies_live_name_idx" ON "companies" ("organization_id", "name", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "projects_live_name_idx" ON "projects" ("organization_id", "name", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "deals_live_id_idx" ON "deals" ("organization_id", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "deals_live_name_idx" ON "deals" ("organization_id", "name", "id") WHERE "deleted_at" IS NULL;
