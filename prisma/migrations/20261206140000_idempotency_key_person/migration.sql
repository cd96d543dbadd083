-- Who used an idempotency key: a replay answers only the person whose request created the object
-- (issue 22). Rows written before this column existed have no person; they answer nobody (the
-- replay is IDEMPOTENCY_KEY_REUSED rather than a guess), and expire within 24 hours anyway.
ALTER TABLE "idempotency_keys" ADD COLUMN "person_id" INTEGER;
