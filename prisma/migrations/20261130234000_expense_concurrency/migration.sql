-- Hand-written (issue 6, "Concurrent writes lose nothing"): an expense's position is unique among
-- the live expenses of its deal. Prisma's schema cannot express a partial index.
--
-- Partial on deleted_at IS NULL: a soft-deleted expense keeps its position for the recycle bin but
-- does not hold it, because the scoped client cannot see deleted rows and so could neither skip
-- their positions nor explain a conflict with one. A restore must therefore take the deal's lock
-- (as createExpense does) and give the restored expense a free position (the deal's largest + 1)
-- when a live expense has taken its old one; otherwise it fails on this index.

-- Until now concurrent creates could share a position. Keep the first of each group (lowest id)
-- where it is, and move the others after the deal's largest position, in id order.
WITH "ranked" AS (
  SELECT "id", "organization_id", "deal_id",
         row_number() OVER (PARTITION BY "organization_id", "deal_id", "position" ORDER BY "id") AS "rank"
    FROM "expenses"
   WHERE "deleted_at" IS NULL
), "tops" AS (
  SELECT "organization_id", "deal_id", max("position") AS "top"
    FROM "expenses"
   WHERE "deleted_at" IS NULL
   GROUP BY "organization_id", "deal_id"
), "moved" AS (
  SELECT r."id", t."top" + row_number() OVER (PARTITION BY r."organization_id", r."deal_id" ORDER BY r."id") AS "position"
    FROM "ranked" r
    JOIN "tops" t ON t."organization_id" = r."organization_id" AND t."deal_id" = r."deal_id"
   WHERE r."rank" > 1
)
UPDATE "expenses" e
   SET "position" = m."position", "updated_at" = now()
  FROM "moved" m
 WHERE e."id" = m."id";

-- Also serves the next position (max over the deal's live expenses) as an index-only scan.
CREATE UNIQUE INDEX "expenses_live_deal_position_key" ON "expenses" ("organization_id", "deal_id", "position") WHERE "deleted_at" IS NULL;
