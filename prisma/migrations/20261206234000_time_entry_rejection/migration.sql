-- Time entries are approved, unapproved and rejected as expenses are (issue 24): the rejection with
-- when, why and by whom; approving settles it, rejecting withdraws an approval.
ALTER TABLE "time_entries" ADD COLUMN "rejected" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "time_entries" ADD COLUMN "rejected_at" TIMESTAMPTZ(3);
ALTER TABLE "time_entries" ADD COLUMN "rejected_reason" TEXT;
ALTER TABLE "time_entries" ADD COLUMN "rejecter_id" INTEGER;
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_rejecter_id_fkey" FOREIGN KEY ("rejecter_id") REFERENCES "people"("id") ON DELETE SET NULL ON UPDATE RESTRICT;
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_organization_id_rejecter_id_fkey" FOREIGN KEY ("organization_id", "rejecter_id") REFERENCES "memberships"("organization_id", "person_id") ON DELETE RESTRICT ON UPDATE RESTRICT;
