-- The money basis an object was deleted under: an expense's or a service's deal currency and rate at
-- that moment. A restore re-expresses the object's derived money from it, as the deal's update would
-- have done had the object been live (src/domain/bin-restore.ts).
ALTER TABLE "deleted_items" ADD COLUMN "basis" JSONB;
