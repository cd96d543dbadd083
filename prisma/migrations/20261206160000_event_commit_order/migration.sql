-- Events ordered by commit, without a lock on the organization row (issue 23). Each event and each
-- webhook delivery carries the id of the transaction that wrote it; readers order by
-- (transaction_id, id) and read only below the oldest transaction still running
-- (pg_snapshot_xmin(pg_current_snapshot())), so an event whose transaction started early and commits
-- late is never behind a position a reader has already passed (src/events/outbox.ts).
--
-- Rows written before this column existed all get this migration's transaction id: ties that their
-- `id` orders as before, and every later event comes after them.
ALTER TABLE "change_events" ADD COLUMN "transaction_id" xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE "webhook_deliveries" ADD COLUMN "transaction_id" xid8 NOT NULL DEFAULT pg_current_xact_id();

-- The log in commit order per organization (changeEvents' pages).
CREATE INDEX "change_events_organization_id_transaction_id_id_idx" ON "change_events"("organization_id", "transaction_id", "id");
-- An endpoint's oldest pending delivery, in the same order (webhook delivery).
DROP INDEX IF EXISTS "webhook_deliveries_webhook_id_status_event_id_idx";
CREATE INDEX "webhook_deliveries_webhook_id_status_transaction_id_event_id_idx" ON "webhook_deliveries"("webhook_id", "status", "transaction_id", "event_id");
