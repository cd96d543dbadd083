// Global ids: base64 of `Type:id`, where Type is a node type of this schema and id a positive database id.
// Anything else a client sends where an id belongs is a mistake we name (BAD_USER_INPUT), never a
// database error; a well-formed id that matches nothing is simply not found.
//
// Only the spelling the API issues is an id: base64 decoders ignore what does not fit (a trailing
// character, missing padding, URL-safe letters, leading zeros in the number), so many strings would
// otherwise name one object (`RXhwZW5zZTox0` was Expense 1). An id must re-encode to itself, as
// cursors must (src/domain/kit/keyset.ts). Ids are int4, except the event log's and its deliveries'
// (int8): their digits are kept exact in `key`.
import { globalId as encode } from '../../domain/kit/global-id.js';
import { BadInput } from '../../domain/kit/errors.js';

const INT4_MAX = 2n ** 31n - 1n;
const INT8_MAX = 2n ** 63n - 1n;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;

/** What a node type's database ids are: int4 (most tables) or int8 (the event log and its deliveries). */
export type IdKind = 'int4' | 'int8';

const MAX_ID: Record<IdKind, bigint> = { int4: INT4_MAX, int8: INT8_MAX };

/** A decoded global id: `id` for the int4 ids most code takes, `key` the exact digits (int8 ids may pass 2^53). */
export interface DecodedId {
  typename: string;
  id: number;
  key: string;
}

/**
 * Decodes a global id of a node type (`idKind` says which types are, and how large their ids may be),
 * or throws `BadInput` naming `argument`.
 */
export function parseGlobalId(globalId: string, argument: string, idKind: (typename: string) => IdKind | undefined): DecodedId {
  const refuse = (why: string): never => {
    throw new BadInput(`\`${argument}\`: ${JSON.stringify(globalId.slice(0, 100))} is not a valid id (${why}).`, argument);
  };
  if (globalId.length === 0 || globalId.length > 200 || !BASE64.test(globalId)) refuse('not a global id');
  const match = /^([A-Za-z]\w{0,63}):(\d{1,19})$/.exec(Buffer.from(globalId, 'base64').toString('utf8'));
  if (!match) return refuse('not a global id');
  const [, typename, digits] = match as unknown as [string, string, string];
  // Canonical digits: "007" would re-encode as 7 and so is not an id this API issued.
  const value = BigInt(digits);
  if (encode(typename, value) !== globalId) refuse('not an id this API issued');
  const kind = idKind(typename);
  if (!kind) return refuse(`there is no type ${typename}`);
  if (value < 1n || value > MAX_ID[kind]) refuse('no such id can exist');
  return { typename, id: Number(value), key: value.toString() };
}
