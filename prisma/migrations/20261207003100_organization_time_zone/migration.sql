-- Organization settings editable by its admins (issue 24): an optional IANA time zone, in which its
-- days and months are to be counted (grouping by month comes later); null is UTC. The API checks the
-- name against the runtime's time zone database (Intl) and stores its canonical spelling.
ALTER TABLE "organizations" ADD COLUMN "time_zone" TEXT;
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_time_zone_length" CHECK (char_length("time_zone") BETWEEN 1 AND 64);
