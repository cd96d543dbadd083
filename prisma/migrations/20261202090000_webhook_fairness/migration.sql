-- Fair webhook delivery (src/webhooks/deliver.ts): an attempt in flight holds a lease until its
-- result is recorded, so that an organization's attempts in flight can be counted at claim time
-- (a cap per organization, across every worker); an endpoint whose last attempt was slow is
-- marked, and gets a smaller share of a worker.
ALTER TABLE "webhook_deliveries" ADD COLUMN "leased_until" TIMESTAMPTZ(3);
ALTER TABLE "webhooks" ADD COLUMN "slow_since" TIMESTAMPTZ(3);

-- Pending deliveries per organization: the cap's count at every claim, the sweep, and the
-- backlog gauge read only these rows (delivered ones are kept as history and only grow).
CREATE INDEX "webhook_deliveries_pending_idx" ON "webhook_deliveries" ("organization_id", "leased_until") WHERE "status" = 'PENDING';
