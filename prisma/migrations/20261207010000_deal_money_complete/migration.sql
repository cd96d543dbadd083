-- A deal's money from everything that is modelled (docs/money.md, "Deals"): services add their
-- revenue, time entries their work cost at the person's cost rate.

-- A member's cost rate: minor units of the organization's default currency per hour worked.
ALTER TABLE "memberships" ADD COLUMN "cost_rate" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_cost_rate_range" CHECK ("cost_rate" BETWEEN 0 AND 1000000000000);

-- A time entry's work cost in the organization's default currency: minutes × the person's cost
-- rate ÷ 60, rounded once, written with the entry (it keeps the rate in force when it was recorded).
ALTER TABLE "time_entries" ADD COLUMN "work_cost_default" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_work_cost_range" CHECK ("work_cost_default" >= 0);

-- The REVENUE, COST and PROFIT sort keys of deals now count services and work cost too, kept by
-- the database like the expenses' part (20261201040000): a service adds its revenue in the default
-- currency (its total converted at the deal's rate, rounded once: the same value the deal's
-- `servicesRevenue.default` adds up), a time entry its stored work cost. A service's revenue counts
-- while it is live, billable and not priced NOT_BILLABLE (pricing type 3).
CREATE FUNCTION "service_revenue_default"(s "services", rate NUMERIC) RETURNS NUMERIC LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN s."deleted_at" IS NULL AND s."billable" AND s."pricing_type_id" <> 3
              THEN round(round(s."price" * s."quantity") * rate) ELSE 0 END
$$;

CREATE FUNCTION "services_keep_deal_sums"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW."deal_id" = OLD."deal_id"
     AND (NEW."deleted_at" IS NULL) = (OLD."deleted_at" IS NULL)
     AND NEW."billable" = OLD."billable" AND NEW."pricing_type_id" = OLD."pricing_type_id"
     AND NEW."price" = OLD."price" AND NEW."quantity" = OLD."quantity" THEN
    RETURN NULL; -- its revenue did not change: leave the deal row (and its lock) alone
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE "deals" d
       SET "sort_revenue_default" = d."sort_revenue_default" - "service_revenue_default"(OLD, d."exchange_rate"),
           "sort_profit_default" = d."sort_profit_default" - "service_revenue_default"(OLD, d."exchange_rate")
     WHERE d."organization_id" = OLD."organization_id" AND d."id" = OLD."deal_id";
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE "deals" d
       SET "sort_revenue_default" = d."sort_revenue_default" + "service_revenue_default"(NEW, d."exchange_rate"),
           "sort_profit_default" = d."sort_profit_default" + "service_revenue_default"(NEW, d."exchange_rate")
     WHERE d."organization_id" = NEW."organization_id" AND d."id" = NEW."deal_id";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "services_keep_deal_sums"
  AFTER INSERT OR UPDATE OR DELETE ON "services"
  FOR EACH ROW EXECUTE FUNCTION "services_keep_deal_sums"();

CREATE FUNCTION "time_entries_keep_deal_sums"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW."service_id" = OLD."service_id"
     AND (NEW."deleted_at" IS NULL) = (OLD."deleted_at" IS NULL)
     AND NEW."work_cost_default" = OLD."work_cost_default" THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' AND OLD."deleted_at" IS NULL AND OLD."work_cost_default" <> 0 THEN
    UPDATE "deals" d
       SET "sort_cost_default" = d."sort_cost_default" - OLD."work_cost_default",
           "sort_profit_default" = d."sort_profit_default" + OLD."work_cost_default"
      FROM "services" s
     WHERE s."organization_id" = OLD."organization_id" AND s."id" = OLD."service_id"
       AND d."organization_id" = s."organization_id" AND d."id" = s."deal_id";
  END IF;
  IF TG_OP <> 'DELETE' AND NEW."deleted_at" IS NULL AND NEW."work_cost_default" <> 0 THEN
    UPDATE "deals" d
       SET "sort_cost_default" = d."sort_cost_default" + NEW."work_cost_default",
           "sort_profit_default" = d."sort_profit_default" - NEW."work_cost_default"
      FROM "services" s
     WHERE s."organization_id" = NEW."organization_id" AND s."id" = NEW."service_id"
       AND d."organization_id" = s."organization_id" AND d."id" = s."deal_id";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "time_entries_keep_deal_sums"
  AFTER INSERT OR UPDATE OR DELETE ON "time_entries"
  FOR EACH ROW EXECUTE FUNCTION "time_entries_keep_deal_sums"();

-- A deal whose rate changes converts its services' revenue again: the services' part of its keys is
-- recomputed in the same UPDATE (the expenses' part follows as updateDeal rewrites them, each
-- through the trigger above; a currency change rewrites the services' prices likewise).
CREATE FUNCTION "deals_rate_keeps_sums"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  before NUMERIC;
  after NUMERIC;
BEGIN
  SELECT coalesce(sum("service_revenue_default"(s, OLD."exchange_rate")), 0),
         coalesce(sum("service_revenue_default"(s, NEW."exchange_rate")), 0)
    INTO before, after
    FROM "services" s
   WHERE s."organization_id" = NEW."organization_id" AND s."deal_id" = NEW."id" AND s."deleted_at" IS NULL;
  NEW."sort_revenue_default" := NEW."sort_revenue_default" - before + after;
  NEW."sort_profit_default" := NEW."sort_profit_default" - before + after;
  RETURN NEW;
END $$;

CREATE TRIGGER "deals_rate_keeps_sums"
  BEFORE UPDATE OF "exchange_rate" ON "deals"
  FOR EACH ROW WHEN (OLD."exchange_rate" IS DISTINCT FROM NEW."exchange_rate")
  EXECUTE FUNCTION "deals_rate_keeps_sums"();

-- The services already there.
UPDATE "deals" d
   SET "sort_revenue_default" = d."sort_revenue_default" + s."revenue",
       "sort_profit_default" = d."sort_profit_default" + s."revenue"
  FROM (SELECT s."organization_id", s."deal_id", sum("service_revenue_default"(s, x."exchange_rate")) AS "revenue"
          FROM "services" s JOIN "deals" x ON x."organization_id" = s."organization_id" AND x."id" = s."deal_id"
         WHERE s."deleted_at" IS NULL GROUP BY 1, 2) s
 WHERE d."organization_id" = s."organization_id" AND d."id" = s."deal_id";
