// Idempotent creates (issue 13). A client that retries a create it got no answer to sends the same
// `idempotencyKey` again; within 24 hours the same key with the same input answers the object the
// first request created, and writes nothing. The same key with another input (or for another
// mutation) is the user error IDEMPOTENCY_KEY_REUSED. Keys are per organization.
//
// A replay shows no more than the replaying person may see now (issue 22): only the person whose
// request used the key gets its answer (another member of the organization gets
// IDEMPOTENCY_KEY_REUSED, never their private task), the object must still be readable by them (a
// deleted one is IDEMPOTENCY_KEY_REUSED too, not a payload with neither object nor error), and a
// secret the create answered (a webhook's) is never shown again: the payload knows a replay by
// `replayed: true`.
//
// How it holds under concurrency: the key's row (table idempotency_keys, primary key
// (organization_id, key)) is claimed by the FIRST statement of the create's own transaction, by
// transact() (src/domain/kit/transaction.ts), which finds the request's claim in an
// AsyncLocalStorage set by `idempotentCreate`. The claim is one statement, `INSERT ... ON CONFLICT
// DO UPDATE ... RETURNING`: it inserts the key (or takes over an expired row), or returns the live
// row that holds it, which the create then answers instead of running. So:
// - a create that ends with user errors rolls back and leaves no key: a corrected retry runs;
// - two requests with one key at the same moment meet on the primary key: the second's INSERT
//   waits for the first transaction; if that commits, it returns the committed row and the second
//   transaction rolls back having done nothing else and answers it; if it rolls back, the second
//   simply claims the key. Being the first statement, the wait holds no other lock, so it cannot
//   deadlock with the create's own locks;
// - a plain sequential retry gets the row back from the claim and answers it (one transaction that
//   writes nothing, instead of a read before any: the first request, the common case, saves one).
//
// Expired rows (older than 24 hours) are deleted lazily, when their key is used again, and in bulk
// by `npm run cli -- idempotency purge` (src/cli/idempotency.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { organizationSql, type ScopedClient, type ScopedTx } from '../../db/scope.js';
import { Prisma } from '../../generated/prisma/client.js';
import { at, checkText, fail, ok, type Result, type UserError } from './result.js';

/** How long a key answers with its first result. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY = 255;
export const IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED';

const FIELD = 'idempotencyKey';

/** What an idempotent create asks of the transaction that writes it. */
export interface Claim {
  organizationId: number;
  key: string;
  operation: string;
  inputHash: string;
  /** The person whose request this is: the only one its key will replay for. */
  personId: number;
  /** A transaction holding the claim has committed: later transactions of the same call leave it alone. */
  committed: boolean;
  /** A transaction holds it now. */
  taken: boolean;
  /**
   * The create has returned. Anything it started that outlives it (a timer, a listener) still sees
   * the claim through AsyncLocalStorage, and must not write the key.
   */
  closed: boolean;
  /** The result id a statement of the holding transaction wrote already (the event's: `resultWithEvent`). */
  resultWritten?: number;
}

/** Thrown out of the create's transaction when a live row holds the key: the create answers it instead. */
export class KeyInUse extends Error {
  constructor(readonly row: StoredKey) {
    super('idempotency key already used');
    this.name = 'KeyInUse';
  }
}

const claims = new AsyncLocalStorage<Claim>();

/** A key is like any text field: 1 to 255 characters, not blank, no NUL. It is used as given (not trimmed). */
export function checkIdempotencyKey(key: string): UserError[] {
  const errors: UserError[] = [];
  checkText(errors, FIELD, key, MAX_IDEMPOTENCY_KEY);
  return errors;
}

/**
 * JSON with object keys sorted and `undefined` left out, BigInt as its decimal string and dates as
 * ISO: one text per input, whatever order its fields came in. Inputs are hashed after the scalars
 * parsed them, so `31.12.2017` and `2017-12-31`, or `125` and `"125"` for a BigInt, are the same.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .filter((name) => record[name] !== undefined)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(record[name])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of the operation and its canonical input: what "the same request" means. */
export function inputHash(operation: string, input: object): string {
  return createHash('sha256').update(`${operation}\n${canonicalJson(input)}`).digest('hex');
}

export const isExpired = (createdAt: Date, now: Date): boolean => now.getTime() - createdAt.getTime() >= IDEMPOTENCY_TTL_MS;

const reused = (message: string): UserError => ({ field: at(FIELD), message, code: IDEMPOTENCY_KEY_REUSED });

interface StoredKey {
  operation: string;
  inputHash: string;
  resultId: number | null;
  /** Null on rows written before people were recorded: they replay for nobody. */
  personId: number | null;
}

/** What a replay answers: the first result's id, to be loaded as it is now; no secret of it. */
export interface Replayed {
  id: number;
  replayed: true;
}

export const isReplayed = (value: object): value is Replayed => (value as Partial<Replayed>).replayed === true;

/**
 * The answer a live key gives a request: its first result, or why it cannot be used for this one.
 * Another person's key says nothing of its input or mutation: a replay is for the one who sent it.
 */
export function replay(row: StoredKey, operation: string, hash: string, personId: number): Result<Replayed> {
  if (row.personId !== personId) return fail(reused('has already been used by another person'));
  if (row.operation !== operation) return fail(reused(`has already been used for ${row.operation}`));
  if (row.inputHash !== hash) return fail(reused('has already been used with a different input'));
  // Written in the same transaction as the key, so a committed key always has it.
  if (row.resultId === null) throw new Error(`idempotency key of ${operation} committed without its result`);
  return ok({ id: row.resultId, replayed: true });
}

/** A replay whose object the person cannot read now (deleted, or hidden from them). */
export const REPLAY_GONE = 'has already been used for an object that is deleted or not visible to you';

export interface IdempotentRequest {
  organizationId: number;
  /** Who sends it (the viewer's person). */
  personId: number;
  /** None: the create runs as it would without the feature. */
  key: string | null | undefined;
  /** The mutation field, e.g. `createExpense`. */
  operation: string;
  /** The input as the client sent it (scalars parsed), without the key. */
  input: object;
  /** Whether the person may read the object of this id now (the rules `node(id:)` applies). */
  readable: (id: number) => Promise<boolean>;
}

/**
 * Runs `create` at most once per key: a live key answers its first result (`{ id, replayed }`,
 * which the payload loads as it is now) without running it, to the same person and only while they
 * can read it. `create` must write through transact(), which stores the key in the same transaction.
 */
export async function idempotentCreate<T extends { id: number }>(
  db: ScopedClient,
  request: IdempotentRequest,
  create: () => Promise<Result<T>>,
): Promise<Result<T | Replayed>> {
  const { key, operation, organizationId, personId } = request;
  if (key == null) return create();
  const errors = checkIdempotencyKey(key);
  if (errors.length) return fail(...errors);
  const hash = inputHash(operation, request.input);

  const claim: Claim = { organizationId, key, operation, inputHash: hash, personId, committed: false, taken: false, closed: false };
  try {
    const result = await claims.run(claim, create);
    if (result.ok && !claim.committed) await recordAfterwards(db, claim, result.value.id);
    return result;
  } catch (error) {
    if (!(error instanceof KeyInUse)) throw error;
    // The key is live: its first result, for this person, while they can still read it.
    const answer = replay(error.row, operation, hash, personId);
    if (answer.ok && !(await request.readable(answer.value.id))) return fail(reused(REPLAY_GONE));
    return answer;
  } finally {
    claim.closed = true;
  }
}

/**
 * A safety net: a create that wrote without transact() never saw its claim. Its key is stored after
 * the fact, so a sequential retry still replays; two requests at the same moment could both create,
 * which only writing through transact() prevents (every create does; test/idempotency.test.ts checks
 * that each one's first write is its key).
 */
async function recordAfterwards(db: ScopedClient, claim: Claim, resultId: number): Promise<void> {
  try {
    await db.$transaction(async (tx) => {
      await tx.idempotencyKey.deleteMany({ where: { key: claim.key, createdAt: { lte: new Date(Date.now() - IDEMPOTENCY_TTL_MS) } } });
      await tx.idempotencyKey.create({ data: claimRow(claim, resultId), select: { key: true } });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
}

// ---- The transaction's side (called by transact()) ----------------------------------------------

/**
 * The claim of the idempotent create this code runs in, for the transaction about to start; none
 * when there is none, when a transaction stored it already, or while another transaction holds it
 * (code running after a commit, such as a listener, must not write the key a second time).
 */
export function takeClaim(): Claim | undefined {
  const claim = claims.getStore();
  if (!claim || claim.committed || claim.taken || claim.closed) return undefined;
  claim.taken = true;
  return claim;
}

/** The transaction that took the claim has ended: committed, it keeps it; rolled back, the next one may take it. */
export function releaseClaim(claim: Claim, committed: boolean): void {
  claim.committed ||= committed;
  claim.taken = false;
  if (!committed) claim.resultWritten = undefined; // rolled back with its transaction
}

/**
 * The key's result, written by the first event the create records (src/changes/outbox.ts) as one more
 * CTE of the event's statement, instead of a statement of its own at the end: a CTE that stores `id`
 * as the result of the claim this transaction holds (empty when it holds none, or wrote one already),
 * and `written()` to call once that statement ran. An event about another object than the one the
 * create returns leaves a wrong id there, which `recordResult` overwrites: the common case saves a
 * round trip, the rare one costs the statement it always cost.
 */
export function resultWithEvent(organizationId: number, id: number): { sql: Prisma.Sql; written(): void } {
  const claim = claims.getStore();
  if (!claim || !claim.taken || claim.committed || claim.closed || claim.resultWritten !== undefined || claim.organizationId !== organizationId) {
    return { sql: Prisma.empty, written: () => {} };
  }
  return {
    sql: Prisma.sql`, keyed AS (
      UPDATE idempotency_keys SET result_id = ${id}::int4
       WHERE organization_id = ${organizationId}::int4 AND key = ${claim.key}
      RETURNING 1)`,
    written: () => {
      claim.resultWritten = id;
    },
  };
}

/**
 * The transaction's first statement: the key's row for this request -- inserted, or an expired row
 * taken over -- or KeyInUse carrying the live row that holds the key (committed by an earlier
 * request, or by a concurrent one this statement waited for). A row of ours is the only one with
 * no result yet: a committed key always has its result (recordResult, in the same transaction).
 */
export async function writeClaim(tx: ScopedTx, claim: Claim): Promise<void> {
  claim.resultWritten = undefined; // a rerun of the transaction (after a deadlock) writes it again
  const sql = organizationSql(tx);
  if (sql.organizationId !== claim.organizationId) throw new Error(`${claim.operation}: the claim belongs to another organization`);
  // The database's clock, like the row's created_at: one clock decides expiry.
  const expired = Prisma.sql`idempotency_keys.created_at <= now() - ${IDEMPOTENCY_TTL_MS}::int8 * interval '1 millisecond'`;
  const rows = await sql.$queryRaw<Array<{ operation: string; input_hash: string; result_id: number | null; person_id: number | null }>>`INSERT INTO "public"."idempotency_keys" (organization_id, key, operation, input_hash, person_id, result_id, created_at)
    VALUES (${claim.organizationId}::int4, ${claim.key}, ${claim.operation}, ${claim.inputHash}, ${claim.personId}::int4, NULL, now())
    ON CONFLICT (organization_id, key) DO UPDATE
       SET operation = CASE WHEN ${expired} THEN EXCLUDED.operation ELSE idempotency_keys.operation END,
           input_hash = CASE WHEN ${expired} THEN EXCLUDED.input_hash ELSE idempotency_keys.input_hash END,
           person_id = CASE WHEN ${expired} THEN EXCLUDED.person_id ELSE idempotency_keys.person_id END,
           result_id = CASE WHEN ${expired} THEN NULL ELSE idempotency_keys.result_id END,
           created_at = CASE WHEN ${expired} THEN EXCLUDED.created_at ELSE idempotency_keys.created_at END
    RETURNING operation, input_hash, result_id, person_id`;
  const row = rows[0];
  if (!row) throw new Error(`${claim.operation}: the idempotency key was neither claimed nor found`);
  if (row.result_id === null) return;
  throw new KeyInUse({
    operation: row.operation,
    inputHash: row.input_hash,
    resultId: Number(row.result_id),
    personId: row.person_id === null ? null : Number(row.person_id),
  });
}

/** The transaction's last statement, unless its event wrote it: which object the key stands for. */
export async function recordResult(tx: ScopedTx, claim: Claim, value: unknown): Promise<void> {
  const id = (value as { id?: unknown } | null)?.id;
  if (typeof id !== 'number') throw new Error(`${claim.operation}: an idempotent create must return an object with a numeric id`);
  if (claim.resultWritten === id) return; // with the event (resultWithEvent)
  await tx.idempotencyKey.updateMany({ where: { key: claim.key }, data: { resultId: id } });
}

function claimRow(claim: Claim, resultId: number | null) {
  return {
    organizationId: claim.organizationId, // the scope sets it too; stated for the type checker
    key: claim.key,
    operation: claim.operation,
    inputHash: claim.inputHash,
    personId: claim.personId,
    resultId,
  };
}

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
