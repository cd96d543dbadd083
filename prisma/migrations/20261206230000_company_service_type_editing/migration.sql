-- Companies and service types are set up and changed through the API (issue 24). Both are archived,
-- never deleted through it: what refers to them keeps doing so. `updated_at` as every edited model has.
ALTER TABLE "companies" ADD COLUMN "archived_at" TIMESTAMPTZ(3);
ALTER TABLE "companies" ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "service_types" ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
