// Global ids in inputs. A malformed id, or an id of another type, cannot name a record of the
// expected type: filters report it as bad input; mutations treat it like an id that does not exist.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { INVALID_ID } from '../domain/expenses.js';

export function databaseId(globalId: string, typename: string): number | null {
  try {
    const { typename: actual, id } = decodeGlobalID(globalId);
    return actual === typename && /^\d{1,9}$/.test(id) ? Number(id) : null;
  } catch {
    return null;
  }
}

/** For mutation inputs: undefined and null pass through; a bad id becomes one that matches nothing. */
export function inputId(globalId: string | null | undefined, typename: string): number | null | undefined {
  if (globalId == null) return globalId;
  return databaseId(globalId, typename) ?? INVALID_ID;
}

/** For filters: a list of ids of one type, or a clear error naming the argument. */
export function filterIds(globalIds: readonly string[] | null | undefined, typename: string, path: string): number[] | undefined {
  if (globalIds == null) return undefined;
  return globalIds.map((g) => {
    const id = databaseId(g, typename);
    if (id === null) {
      throw new GraphQLError(`\`${path}\` expects ${typename} ids; "${g}" is not one.`, {
        extensions: { code: 'BAD_USER_INPUT', argument: path },
      });
    }
    return id;
  });
}
