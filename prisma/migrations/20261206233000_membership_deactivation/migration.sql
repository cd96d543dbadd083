-- Members are managed through the API by an organization's admins (issue 24). A membership is
-- deactivated, never deleted: what a person created or was named on keeps pointing at them (the
-- composite references into memberships restrict deletes); a deactivated person's tokens no longer
-- reach the organization. Roles are the two the code knows.
ALTER TABLE "memberships" ADD COLUMN "deactivated_at" TIMESTAMPTZ(3);
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_role_known" CHECK ("role" IN ('admin', 'member'));
