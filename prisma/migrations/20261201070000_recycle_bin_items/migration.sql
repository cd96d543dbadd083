-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "last_project_number" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "last_task_number" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "tasks" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "project_id" INTEGER NOT NULL,
    "creator_id" INTEGER NOT NULL,
    "assignee_id" INTEGER,
    "number" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "private" BOOLEAN NOT NULL DEFAULT false,
    "start_date" DATE,
    "due_date" DATE,
    "closed_at" TIMESTAMPTZ(3),
    "tag_list" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "services" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "deal_id" INTEGER NOT NULL,
    "service_type_id" INTEGER,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "position" INTEGER NOT NULL DEFAULT 1,
    "billable" BOOLEAN NOT NULL DEFAULT true,
    "unit_id" SMALLINT NOT NULL DEFAULT 1,
    "pricing_type_id" SMALLINT NOT NULL DEFAULT 1,
    "quantity" DECIMAL(14,4) NOT NULL DEFAULT 1,
    "price" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "services_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "time_entries" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "service_id" INTEGER NOT NULL,
    "task_id" INTEGER,
    "person_id" INTEGER NOT NULL,
    "creator_id" INTEGER NOT NULL,
    "approver_id" INTEGER,
    "date" DATE NOT NULL,
    "time" INTEGER NOT NULL,
    "billable_time" INTEGER NOT NULL,
    "note" TEXT,
    "approved" BOOLEAN NOT NULL DEFAULT false,
    "approved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "time_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "paid" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "bookings" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "creator_id" INTEGER NOT NULL,
    "service_id" INTEGER,
    "event_id" INTEGER,
    "started_on" DATE NOT NULL,
    "ended_on" DATE NOT NULL,
    "time" INTEGER NOT NULL,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "bookings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pages" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "project_id" INTEGER,
    "parent_page_id" INTEGER,
    "creator_id" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "public" BOOLEAN NOT NULL DEFAULT false,
    "position" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "pages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dashboards" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "project_id" INTEGER,
    "creator_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "dashboards_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "purchase_orders" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "deal_id" INTEGER NOT NULL,
    "vendor_id" INTEGER NOT NULL,
    "creator_id" INTEGER NOT NULL,
    "number" TEXT,
    "subject" TEXT,
    "note" TEXT,
    "issued_on" DATE NOT NULL,
    "delivery_on" DATE,
    "sent_on" DATE,
    "received_on" DATE,
    "currency" CHAR(3) NOT NULL,
    "exchange_rate" DECIMAL(20,10) NOT NULL,
    "exchange_date" DATE NOT NULL,
    "total_cost" BIGINT NOT NULL DEFAULT 0,
    "total_received" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "purchase_orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "templates" (
    "id" SERIAL NOT NULL,
    "organization_id" INTEGER NOT NULL,
    "creator_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "task_titles" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleter_id" INTEGER,

    CONSTRAINT "templates_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "tasks_organization_id_project_id_idx" ON "tasks"("organization_id", "project_id");

-- CreateIndex
CREATE UNIQUE INDEX "tasks_organization_id_id_key" ON "tasks"("organization_id", "id");

-- CreateIndex
CREATE INDEX "services_organization_id_deal_id_idx" ON "services"("organization_id", "deal_id");

-- CreateIndex
CREATE UNIQUE INDEX "services_organization_id_id_key" ON "services"("organization_id", "id");

-- CreateIndex
CREATE INDEX "time_entries_organization_id_service_id_idx" ON "time_entries"("organization_id", "service_id");

-- CreateIndex
CREATE INDEX "time_entries_organization_id_task_id_idx" ON "time_entries"("organization_id", "task_id");

-- CreateIndex
CREATE INDEX "time_entries_organization_id_person_id_date_idx" ON "time_entries"("organization_id", "person_id", "date");

-- CreateIndex
CREATE UNIQUE INDEX "time_entries_organization_id_id_key" ON "time_entries"("organization_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "events_organization_id_id_key" ON "events"("organization_id", "id");

-- CreateIndex
CREATE INDEX "bookings_organization_id_service_id_idx" ON "bookings"("organization_id", "service_id");

-- CreateIndex
CREATE INDEX "bookings_organization_id_event_id_idx" ON "bookings"("organization_id", "event_id");

-- CreateIndex
CREATE INDEX "bookings_organization_id_person_id_started_on_idx" ON "bookings"("organization_id", "person_id", "started_on");

-- CreateIndex
CREATE UNIQUE INDEX "bookings_organization_id_id_key" ON "bookings"("organization_id", "id");

-- CreateIndex
CREATE INDEX "pages_organization_id_project_id_idx" ON "pages"("organization_id", "project_id");

-- CreateIndex
CREATE INDEX "pages_organization_id_parent_page_id_idx" ON "pages"("organization_id", "parent_page_id");

-- CreateIndex
CREATE UNIQUE INDEX "pages_organization_id_id_key" ON "pages"("organization_id", "id");

-- CreateIndex
CREATE INDEX "dashboards_organization_id_project_id_idx" ON "dashboards"("organization_id", "project_id");

-- CreateIndex
CREATE UNIQUE INDEX "dashboards_organization_id_id_key" ON "dashboards"("organization_id", "id");

-- CreateIndex
CREATE INDEX "purchase_orders_organization_id_deal_id_idx" ON "purchase_orders"("organization_id", "deal_id");

-- CreateIndex
CREATE INDEX "purchase_orders_organization_id_vendor_id_idx" ON "purchase_orders"("organization_id", "vendor_id");

-- CreateIndex
CREATE UNIQUE INDEX "purchase_orders_organization_id_id_key" ON "purchase_orders"("organization_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "templates_organization_id_id_key" ON "templates"("organization_id", "id");

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_organization_id_assignee_id_fkey" FOREIGN KEY ("organization_id", "assignee_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "services" ADD CONSTRAINT "services_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "services" ADD CONSTRAINT "services_organization_id_deal_id_fkey" FOREIGN KEY ("organization_id", "deal_id") REFERENCES "deals"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "services" ADD CONSTRAINT "services_organization_id_service_type_id_fkey" FOREIGN KEY ("organization_id", "service_type_id") REFERENCES "service_types"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "services" ADD CONSTRAINT "services_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_organization_id_service_id_fkey" FOREIGN KEY ("organization_id", "service_id") REFERENCES "services"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_organization_id_task_id_fkey" FOREIGN KEY ("organization_id", "task_id") REFERENCES "tasks"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_organization_id_person_id_fkey" FOREIGN KEY ("organization_id", "person_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_approver_id_fkey" FOREIGN KEY ("approver_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_organization_id_approver_id_fkey" FOREIGN KEY ("organization_id", "approver_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_organization_id_person_id_fkey" FOREIGN KEY ("organization_id", "person_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_organization_id_service_id_fkey" FOREIGN KEY ("organization_id", "service_id") REFERENCES "services"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_organization_id_event_id_fkey" FOREIGN KEY ("organization_id", "event_id") REFERENCES "events"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_organization_id_parent_page_id_fkey" FOREIGN KEY ("organization_id", "parent_page_id") REFERENCES "pages"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "dashboards" ADD CONSTRAINT "dashboards_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "dashboards" ADD CONSTRAINT "dashboards_organization_id_project_id_fkey" FOREIGN KEY ("organization_id", "project_id") REFERENCES "projects"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "dashboards" ADD CONSTRAINT "dashboards_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "dashboards" ADD CONSTRAINT "dashboards_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "dashboards" ADD CONSTRAINT "dashboards_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_organization_id_deal_id_fkey" FOREIGN KEY ("organization_id", "deal_id") REFERENCES "deals"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_organization_id_vendor_id_fkey" FOREIGN KEY ("organization_id", "vendor_id") REFERENCES "companies"("organization_id", "id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "templates" ADD CONSTRAINT "templates_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "templates" ADD CONSTRAINT "templates_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "people"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "templates" ADD CONSTRAINT "templates_organization_id_creator_id_fkey" FOREIGN KEY ("organization_id", "creator_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "templates" ADD CONSTRAINT "templates_organization_id_deleter_id_fkey" FOREIGN KEY ("organization_id", "deleter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;




-- Hand-written from here: what Prisma's schema cannot express.

CREATE TRIGGER "tasks_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "tasks" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "services_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "services" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "time_entries_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "time_entries" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "events_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "events" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "bookings_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "bookings" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "pages_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "pages" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "dashboards_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "dashboards" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "purchase_orders_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "purchase_orders" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();
CREATE TRIGGER "templates_organization_id_immutable" BEFORE UPDATE OF "organization_id" ON "templates" FOR EACH ROW EXECUTE FUNCTION "organization_id_immutable"();

-- A deleter only on a deleted row.
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "services" ADD CONSTRAINT "services_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "events" ADD CONSTRAINT "events_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "pages" ADD CONSTRAINT "pages_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "dashboards" ADD CONSTRAINT "dashboards_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);
ALTER TABLE "templates" ADD CONSTRAINT "templates_deleter_when_deleted" CHECK ("deleter_id" IS NULL OR "deleted_at" IS NOT NULL);

-- The domain's invariants, as the last word under concurrent writes.
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_number_positive" CHECK ("number" > 0);
ALTER TABLE "services" ADD CONSTRAINT "services_units_known" CHECK ("unit_id" IN (1, 2, 3) AND "pricing_type_id" IN (1, 2, 3));
ALTER TABLE "services" ADD CONSTRAINT "services_quantity_not_negative" CHECK ("quantity" >= 0 AND "price" >= 0);
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_minutes" CHECK ("time" BETWEEN 0 AND 1440 AND "billable_time" BETWEEN 0 AND 1440);
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_service_or_event" CHECK (("service_id" IS NULL) <> ("event_id" IS NULL));
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_days_ordered" CHECK ("started_on" <= "ended_on");
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_minutes" CHECK ("time" BETWEEN 1 AND 1440);
ALTER TABLE "pages" ADD CONSTRAINT "pages_not_own_parent" CHECK ("parent_page_id" IS NULL OR "parent_page_id" <> "id");
ALTER TABLE "purchase_orders" ADD CONSTRAINT "purchase_orders_totals_not_negative" CHECK ("total_cost" >= 0 AND "total_received" >= 0);

-- Task numbers are unique within a project among live tasks.
CREATE UNIQUE INDEX "tasks_live_project_number_key" ON "tasks" ("organization_id", "project_id", "number") WHERE "deleted_at" IS NULL;

-- List indexes: live rows by id (the default keyset) and by the usual order of each list.
CREATE INDEX "tasks_live_id_idx" ON "tasks" ("organization_id", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "services_live_id_idx" ON "services" ("organization_id", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "time_entries_live_date_idx" ON "time_entries" ("organization_id", "date", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "events_live_name_idx" ON "events" ("organization_id", "name", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "bookings_live_started_on_idx" ON "bookings" ("organization_id", "started_on", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "pages_live_title_idx" ON "pages" ("organization_id", "title", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "dashboards_live_name_idx" ON "dashboards" ("organization_id", "name", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "purchase_orders_live_issued_on_idx" ON "purchase_orders" ("organization_id", "issued_on", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "templates_live_name_idx" ON "templates" ("organization_id", "name", "id") WHERE "deleted_at" IS NULL;

-- Projects made before the counter existed keep their numbers; new ones continue after the highest.
UPDATE "organizations" o SET "last_project_number" = COALESCE((SELECT MAX("number") FROM "projects" p WHERE p."organization_id" = o."id"), 0);
