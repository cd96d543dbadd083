-- CreateIndex
CREATE UNIQUE INDEX "expenses_organization_id_id_key" ON "expenses"("organization_id", "id");


-- Hand-written, from bench/EXPLAIN.md (100 000 expenses, 2 organizations):
-- The id order walked the primary key through every other organization's rows first (11 ms for
-- the second organization); the unique (organization_id, id) above serves it and the partial one
-- is no longer needed.
DROP INDEX IF EXISTS "expenses_live_id_idx";
-- PAY_ON / PAID_ON DESC keep empty dates last; a backward scan of the ascending index puts them
-- first, so PostgreSQL sorted the whole organization (60-75 ms). These serve the DESC orders.
CREATE INDEX "expenses_live_pay_on_desc_idx" ON "expenses" ("organization_id", "pay_on" DESC NULLS LAST, "id" DESC) WHERE "deleted_at" IS NULL;
CREATE INDEX "expenses_live_paid_on_desc_idx" ON "expenses" ("organization_id", "paid_on" DESC NULLS LAST, "id" DESC) WHERE "deleted_at" IS NULL;
