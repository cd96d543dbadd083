-- CreateTable
CREATE TABLE "deleted_items" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "item_type" TEXT NOT NULL,
    "item_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "deleter_id" INTEGER NOT NULL,
    "private" BOOLEAN NOT NULL DEFAULT false,
    "stamp" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recovered_at" TIMESTAMPTZ(3),

    CONSTRAINT "deleted_items_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "deleted_items_organization_id_item_type_item_id_idx" ON "deleted_items"("organization_id", "item_type", "item_id");

-- CreateIndex
CREATE UNIQUE INDEX "deleted_items_organization_id_id_key" ON "deleted_items"("organization_id", "id");

-- AddForeignKey
ALTER TABLE "deleted_items" ADD CONSTRAINT "deleted_items_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deleted_items" ADD CONSTRAINT "deleted_items_deleter_id_fkey" FOREIGN KEY ("deleter_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "deleted_items" ADD CONSTRAINT "deleted_items_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;



-- Hand-written from here: what Prisma's schema cannot express.

CREATE TRIGGER "deleted_items_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "deleted_items"
    FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();

ALTER TABLE "deleted_items" ADD CONSTRAINT "deleted_items_type_known" CHECK ("item_type" IN (
  'booking', 'budget', 'dashboard', 'deal', 'event', 'expense', 'invoice', 'page', 'project', 'purchase_order',
  'service', 'task', 'template', 'time_entry', 'contract', 'invoice_attribution'));

-- One open entry per object: deleting it again is impossible until it is restored.
CREATE UNIQUE INDEX "deleted_items_open_item_key" ON "deleted_items" ("organization_id", "item_type", "item_id")
  WHERE "recovered_at" IS NULL;

-- The bin lists open entries, newest first by default.
CREATE INDEX "deleted_items_open_created_at_idx" ON "deleted_items" ("organization_id", "created_at", "id") WHERE "recovered_at" IS NULL;
CREATE INDEX "deleted_items_open_name_idx" ON "deleted_items" ("organization_id", "name", "id") WHERE "recovered_at" IS NULL;
