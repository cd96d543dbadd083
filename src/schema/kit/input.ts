// From a mutation's GraphQL input to its domain input, declared per mutation input instead of written
// out: which fields are global ids of which type; every other field passes as it is. A field left
// out stays out (an update leaves it alone) and an explicit `null` stays `null` (it clears it).
import { inputId } from '../ids.js';

/** A field holding a global id: its node type, or its type and the domain's name for it. */
export type IdField = string | { of: string; as: string };

/**
 * The function that turns a raw input into the domain's: the fields of `ids` become database ids
 * (a malformed id, or one of another type, one that matches nothing: `inputId`), `id` (the object
 * an update names, passed on its own) is dropped, and the rest is copied.
 */
export function domainInput<D>(ids: Readonly<Record<string, IdField>>): (raw: object) => D {
  return (raw) => {
    const input: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'id') continue;
      const id = ids[key];
      if (id === undefined) input[key] = value;
      else if (typeof id === 'string') input[key] = inputId(value as string | null | undefined, id);
      else input[id.as] = inputId(value as string | null | undefined, id.of);
    }
    return input as D;
  };
}
