-- CreateTable
CREATE TABLE "invoices" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "company_id" INTEGER NOT NULL,
    "creator_id" INTEGER NOT NULL,
    "parent_invoice_id" INTEGER,
    "number" TEXT,
    "subject" TEXT,
    "invoice_type_id" SMALLINT NOT NULL DEFAULT 1,
    "invoiced_on" DATE NOT NULL,
    "sent_on" DATE,
    "pay_on" DATE,
    "delivery_on" DATE,
    "paid_on" DATE,
    "finalized_on" DATE,
    "payment_terms" INTEGER,
    "discount" DECIMAL(7,4),
    "tax1_name" TEXT,
    "tax1_value" DECIMAL(7,4),
    "tax2_name" TEXT,
    "tax2_value" DECIMAL(7,4),
    "note" TEXT,
    "footer" TEXT,
    "purchase_order_number" TEXT,
    "tag_list" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "currency" CHAR(3) NOT NULL,
    "exchange_rate" DECIMAL(20,10) NOT NULL,
    "exchange_date" DATE NOT NULL,
    "amount" BIGINT NOT NULL DEFAULT 0,
    "amount_paid" BIGINT NOT NULL DEFAULT 0,
    "amount_written_off" BIGINT NOT NULL DEFAULT 0,
    "archived_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice_attributions" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "invoice_id" INTEGER NOT NULL,
    "deal_id" INTEGER NOT NULL,
    "date_from" DATE,
    "date_to" DATE,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount_default" BIGINT NOT NULL,
    "amount_normalized" BIGINT NOT NULL,
    "normalized_currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "invoice_attributions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "invoices_organization_id_company_id_idx" ON "invoices"("organization_id", "company_id");

-- CreateIndex
CREATE INDEX "invoices_organization_id_parent_invoice_id_idx" ON "invoices"("organization_id", "parent_invoice_id");

-- CreateIndex
CREATE UNIQUE INDEX "invoices_organization_id_id_key" ON "invoices"("organization_id", "id");

-- CreateIndex
CREATE INDEX "invoice_attributions_organization_id_invoice_id_idx" ON "invoice_attributions"("organization_id", "invoice_id");

-- CreateIndex
CREATE INDEX "invoice_attributions_organization_id_deal_id_idx" ON "invoice_attributions"("organization_id", "deal_id");

-- CreateIndex
CREATE UNIQUE INDEX "invoice_attributions_organization_id_id_key" ON "invoice_attributions"("organization_id", "id");

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_company_id_fkey" FOREIGN KEY ("organization_id", "company_id") REFERENCES "companies"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_deleter_id_fkey" FOREIGN KEY ("deleter_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_organization_id_parent_invoice_id_fkey" FOREIGN KEY ("organization_id", "parent_invoice_id") REFERENCES "invoices"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoice_attributions" ADD CONSTRAINT "invoice_attributions_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoice_attributions" ADD CONSTRAINT "invoice_attributions_organization_id_invoice_id_fkey" FOREIGN KEY ("organization_id", "invoice_id") REFERENCES "invoices"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoice_attributions" ADD CONSTRAINT "invoice_attributions_organization_id_deal_id_fkey" FOREIGN KEY ("organization_id", "deal_id") REFERENCES "deals"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoice_attributions" ADD CONSTRAINT "invoice_attributions_deleter_id_fkey" FOREIGN KEY ("deleter_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "invoice_attributions" ADD CONSTRAINT "invoice_attributions_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;



-- Hand-written from here: what Prisma's schema cannot express.

CREATE TRIGGER "invoices_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "invoices"
    FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "invoice_attributions_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "invoice_attributions"
    FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();

ALTER TABLE "invoices" ADD CONSTRAINT "invoices_type_known" CHECK ("invoice_type_id" IN (1, 2));
-- A credit note (2) credits one invoice and does not bill: its amount is not positive; an invoice
-- (1) has no parent and a non-negative amount. The domain says so first, with userErrors.
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_credit_note_parent" CHECK (("invoice_type_id" = 2) = ("parent_invoice_id" IS NOT NULL));
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_amount_sign" CHECK (("invoice_type_id" = 1 AND "amount" >= 0) OR ("invoice_type_id" = 2 AND "amount" <= 0));
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "invoice_attributions" ADD CONSTRAINT "invoice_attributions_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "invoice_attributions" ADD CONSTRAINT "invoice_attributions_dates_ordered" CHECK ("date_from" IS NULL OR "date_to" IS NULL OR "date_from" <= "date_to");

-- A number names one live invoice of an organization.
CREATE UNIQUE INDEX "invoices_live_number_key" ON "invoices" ("organization_id", "number")
  WHERE "number" IS NOT NULL AND "deleted_at" IS NULL;

-- One index per list order (see 20261130200000_soft_delete_and_list_indexes).
CREATE INDEX "invoices_live_id_idx" ON "invoices" ("organization_id", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "invoices_live_invoiced_on_idx" ON "invoices" ("organization_id", "invoiced_on", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "invoices_live_pay_on_idx" ON "invoices" ("organization_id", "pay_on", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "invoices_live_number_idx" ON "invoices" ("organization_id", "number", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "invoices_live_created_at_idx" ON "invoices" ("organization_id", "created_at", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "invoice_attributions_live_id_idx" ON "invoice_attributions" ("organization_id", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "invoice_attributions_live_date_from_idx" ON "invoice_attributions" ("organization_id", "date_from", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "invoice_attributions_live_created_at_idx" ON "invoice_attributions" ("organization_id", "created_at", "id") WHERE "deleted_at" IS NULL;
