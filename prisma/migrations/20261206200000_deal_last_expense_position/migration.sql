-- The highest position among a deal's live expenses (0 when it has none), kept by the database like
-- the deal's sort sums: a create reads it with the deal's lock (src/domain/kit/locks.ts, lockDeal),
-- in the statement that takes the lock, instead of a max() over the deal's expenses of its own.
ALTER TABLE "deals" ADD COLUMN "last_expense_position" INTEGER NOT NULL DEFAULT 0;

UPDATE "deals" d
   SET "last_expense_position" = s."last"
  FROM (SELECT "organization_id", "deal_id", max("position") AS "last"
          FROM "expenses" WHERE "deleted_at" IS NULL GROUP BY 1, 2) s
 WHERE d."organization_id" = s."organization_id" AND d."id" = s."deal_id";

-- The trigger of 20261201040000, now also keeping the last position, in the same UPDATE of the deal
-- row (one row version, one lock, as before). A live expense that leaves its deal's list (deleted,
-- moved, repositioned) while it held the last position makes the deal look its last position up
-- again: an index scan backwards on the live (deal, position) unique index, one row. The trigger runs
-- AFTER the row changed, so that look-up already sees the expense's new state; it leaves the
-- expense itself out, whose new state (if live on this deal) is added by the second step.
CREATE OR REPLACE FUNCTION "expenses_keep_deal_sums"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."deleted_at" IS NULL AND NEW."deleted_at" IS NULL
     AND NEW."deal_id" = OLD."deal_id"
     AND NEW."position" = OLD."position"
     AND NEW."billable_amount_default" = OLD."billable_amount_default"
     AND NEW."amount_default" = OLD."amount_default" THEN
    RETURN NULL; -- nothing the deal keeps depends on what changed: leave its row (and its lock) alone
  END IF;
  IF TG_OP <> 'INSERT' AND OLD."deleted_at" IS NULL THEN
    UPDATE "deals"
       SET "sort_revenue_default" = "sort_revenue_default" - OLD."billable_amount_default",
           "sort_cost_default" = "sort_cost_default" - OLD."amount_default",
           "sort_profit_default" = "sort_profit_default" - (OLD."billable_amount_default"::numeric - OLD."amount_default"),
           "last_expense_position" = CASE
             WHEN OLD."position" < "last_expense_position" THEN "last_expense_position"
             ELSE COALESCE((SELECT max(e."position") FROM "expenses" e
                             WHERE e."organization_id" = OLD."organization_id" AND e."deal_id" = OLD."deal_id"
                               AND e."deleted_at" IS NULL AND e."id" <> OLD."id"), 0)
           END,
           "last_activity_at" = now()
     WHERE "organization_id" = OLD."organization_id" AND "id" = OLD."deal_id";
  END IF;
  IF TG_OP <> 'DELETE' AND NEW."deleted_at" IS NULL THEN
    UPDATE "deals"
       SET "sort_revenue_default" = "sort_revenue_default" + NEW."billable_amount_default",
           "sort_cost_default" = "sort_cost_default" + NEW."amount_default",
           "sort_profit_default" = "sort_profit_default" + (NEW."billable_amount_default"::numeric - NEW."amount_default"),
           "last_expense_position" = GREATEST("last_expense_position", NEW."position"),
           "last_activity_at" = now()
     WHERE "organization_id" = NEW."organization_id" AND "id" = NEW."deal_id";
  END IF;
  RETURN NULL;
END $$;
