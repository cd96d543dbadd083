-- AlterTable
ALTER TABLE "expenses" ADD COLUMN     "service_type_name" TEXT NOT NULL DEFAULT '';


-- Hand-written: the copy is the database's job, so no writer can let it drift.
UPDATE "expenses" e SET "service_type_name" = s."name"
  FROM "service_types" s
 WHERE s."organization_id" = e."organization_id" AND s."id" = e."service_type_id";

CREATE FUNCTION expenses_copy_service_type_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT s."name" INTO NEW."service_type_name"
    FROM "service_types" s
   WHERE s."organization_id" = NEW."organization_id" AND s."id" = NEW."service_type_id";
  RETURN NEW;
END $$;

CREATE TRIGGER "expenses_copy_service_type_name"
  BEFORE INSERT OR UPDATE OF "service_type_id", "service_type_name" ON "expenses"
  FOR EACH ROW EXECUTE FUNCTION expenses_copy_service_type_name();

CREATE FUNCTION service_types_propagate_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "expenses" SET "service_type_name" = NEW."name"
   WHERE "organization_id" = NEW."organization_id" AND "service_type_id" = NEW."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "service_types_propagate_name"
  AFTER UPDATE OF "name" ON "service_types"
  FOR EACH ROW WHEN (OLD."name" IS DISTINCT FROM NEW."name")
  EXECUTE FUNCTION service_types_propagate_name();

-- SERVICE_TYPE_NAME is now a plain column order; the (organization_id, service_type_id, id) index
-- that a join plan could have used never was (bench/EXPLAIN.md).
DROP INDEX IF EXISTS "expenses_live_service_type_idx";
CREATE INDEX "expenses_live_service_type_name_idx" ON "expenses" ("organization_id", "service_type_name", "id") WHERE "deleted_at" IS NULL;
