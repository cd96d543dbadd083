-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "last_deal_number" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "deals" ADD COLUMN     "budget" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "budget_total" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "closed_at" TIMESTAMPTZ(3),
ADD COLUMN     "contract_id" INTEGER,
ADD COLUMN     "creator_id" INTEGER,
ADD COLUMN     "deal_status_id" INTEGER,
ADD COLUMN     "delivered_on" DATE,
ADD COLUMN     "end_date" DATE,
ADD COLUMN     "expense_approval" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "last_activity_at" TIMESTAMPTZ(3),
ADD COLUMN     "origin_deal_id" INTEGER,
ADD COLUMN     "probability" INTEGER NOT NULL DEFAULT 100,
ADD COLUMN     "responsible_id" INTEGER,
ADD COLUMN     "sales_status_id" SMALLINT,
ADD COLUMN     "sales_status_updated_at" TIMESTAMPTZ(3),
ADD COLUMN     "sort_cost_default" DECIMAL(38,0) NOT NULL DEFAULT 0,
ADD COLUMN     "sort_profit_default" DECIMAL(38,0) NOT NULL DEFAULT 0,
ADD COLUMN     "sort_revenue_default" DECIMAL(38,0) NOT NULL DEFAULT 0,
ADD COLUMN     "suffix" TEXT,
ADD COLUMN     "tag_list" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "time_approval" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "deal_statuses" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 1,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deal_statuses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contracts" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "template_id" INTEGER NOT NULL,
    "interval_id" SMALLINT NOT NULL,
    "next_occurrence_on" DATE NOT NULL,
    "anchor_on" DATE NOT NULL,
    "ends_on" DATE,
    "copy_expenses" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "contracts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "deal_statuses_organization_id_id_key" ON "deal_statuses"("organization_id", "id");

-- CreateIndex
CREATE INDEX "contracts_organization_id_template_id_idx" ON "contracts"("organization_id", "template_id");

-- CreateIndex
CREATE UNIQUE INDEX "contracts_organization_id_id_key" ON "contracts"("organization_id", "id");

-- CreateIndex
CREATE INDEX "deals_organization_id_contract_id_idx" ON "deals"("organization_id", "contract_id");

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_responsible_id_fkey" FOREIGN KEY ("responsible_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_organization_id_responsible_id_fkey" FOREIGN KEY ("organization_id", "responsible_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_organization_id_deal_status_id_fkey" FOREIGN KEY ("organization_id", "deal_status_id") REFERENCES "deal_statuses"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_organization_id_contract_id_fkey" FOREIGN KEY ("organization_id", "contract_id") REFERENCES "contracts"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deals" ADD CONSTRAINT "deals_organization_id_origin_deal_id_fkey" FOREIGN KEY ("organization_id", "origin_deal_id") REFERENCES "deals"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deal_statuses" ADD CONSTRAINT "deal_statuses_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_organization_id_template_id_fkey" FOREIGN KEY ("organization_id", "template_id") REFERENCES "deals"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_deleter_id_fkey" FOREIGN KEY ("deleter_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;



-- Hand-written from here: what Prisma's schema cannot express.

-- Tenant tables keep their organization (see 20261130100000_tenant_guard).
CREATE TRIGGER "deal_statuses_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "deal_statuses"
    FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "contracts_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "contracts"
    FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();

ALTER TABLE "deals" ADD CONSTRAINT "deals_probability_range" CHECK ("probability" BETWEEN 0 AND 100);
ALTER TABLE "deals" ADD CONSTRAINT "deals_sales_status_known" CHECK ("sales_status_id" IN (1, 2, 3));
ALTER TABLE "deals" ADD CONSTRAINT "deals_end_date_after_date" CHECK ("end_date" IS NULL OR "end_date" >= "date");
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_interval_known" CHECK ("interval_id" BETWEEN 1 AND 6);
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);

-- Deal numbers continue from the highest one in use.
UPDATE "organizations" o SET "last_deal_number" = m."number"
  FROM (SELECT "organization_id", max("number") AS "number" FROM "deals" GROUP BY 1) m
 WHERE m."organization_id" = o."id";

-- A contract generates each period once: a second run (or a concurrent one) for the same period
-- meets this index, whatever got past the contract's row lock.
CREATE UNIQUE INDEX "deals_live_contract_date_key" ON "deals" ("organization_id", "contract_id", "date")
  WHERE "contract_id" IS NOT NULL AND "deleted_at" IS NULL;

-- One index per deal list order (see 20261130200000_soft_delete_and_list_indexes).
CREATE INDEX "deals_live_number_idx" ON "deals" ("organization_id", "number", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "deals_live_date_idx" ON "deals" ("organization_id", "date", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "deals_live_created_at_idx" ON "deals" ("organization_id", "created_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "deals_live_revenue_idx" ON "deals" ("organization_id", "sort_revenue_default", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "deals_live_profit_idx" ON "deals" ("organization_id", "sort_profit_default", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "contracts_live_id_idx" ON "contracts" ("organization_id", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "contracts_live_next_occurrence_idx" ON "contracts" ("organization_id", "next_occurrence_on", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "contracts_live_ends_on_idx" ON "contracts" ("organization_id", "ends_on", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "contracts_live_created_at_idx" ON "contracts" ("organization_id", "created_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "deal_statuses_position_idx" ON "deal_statuses" ("organization_id", "position", "id");

-- The REVENUE and PROFIT sort keys of deals: sums of their live expenses in the default currency,
-- kept by the database so that no writer can let them drift, and so that sorting deals by them
-- is an index scan. Sums are numeric: any number of bigint amounts adds up exactly. Displayed
-- money is computed from the expense rows (src/domain/deal-totals.ts), not read from here.
-- The trigger takes the deal's row lock after the expense's: the order every write keeps
-- (src/domain/expenses.ts, "Concurrency").
CREATE FUNCTION "expenses_keep_deal_sums"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."deleted_at" IS NULL AND NEW."deleted_at" IS NULL
     AND NEW."deal_id" = OLD."deal_id"
     AND NEW."billable_amount_default" = OLD."billable_amount_default"
     AND NEW."amount_default" = OLD."amount_default" THEN
    RETURN NULL; -- nothing the sums depend on changed: leave the deal row (and its lock) alone
  END IF;
  IF TG_OP <> 'INSERT' AND OLD."deleted_at" IS NULL THEN
    UPDATE "deals"
       SET "sort_revenue_default" = "sort_revenue_default" - OLD."billable_amount_default",
           "sort_cost_default" = "sort_cost_default" - OLD."amount_default",
           "sort_profit_default" = "sort_profit_default" - (OLD."billable_amount_default"::numeric - OLD."amount_default"),
           "last_activity_at" = now()
     WHERE "organization_id" = OLD."organization_id" AND "id" = OLD."deal_id";
  END IF;
  IF TG_OP <> 'DELETE' AND NEW."deleted_at" IS NULL THEN
    UPDATE "deals"
       SET "sort_revenue_default" = "sort_revenue_default" + NEW."billable_amount_default",
           "sort_cost_default" = "sort_cost_default" + NEW."amount_default",
           "sort_profit_default" = "sort_profit_default" + (NEW."billable_amount_default"::numeric - NEW."amount_default"),
           "last_activity_at" = now()
     WHERE "organization_id" = NEW."organization_id" AND "id" = NEW."deal_id";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "expenses_keep_deal_sums"
  AFTER INSERT OR UPDATE OR DELETE ON "expenses"
  FOR EACH ROW EXECUTE FUNCTION "expenses_keep_deal_sums"();

UPDATE "deals" d
   SET "sort_revenue_default" = s."revenue", "sort_cost_default" = s."cost", "sort_profit_default" = s."revenue" - s."cost"
  FROM (SELECT "organization_id", "deal_id", sum("billable_amount_default") AS "revenue", sum("amount_default") AS "cost"
          FROM "expenses" WHERE "deleted_at" IS NULL GROUP BY 1, 2) s
 WHERE d."organization_id" = s."organization_id" AND d."id" = s."deal_id";
