// Page-size rules shared by every connection: 30 by default, at most 200, and a clear error
// (rather than silent clamping) when a client asks for more.
import { GraphQLError } from 'graphql';

export const DEFAULT_PAGE_SIZE = 30;
export const MAX_PAGE_SIZE = 200;

interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** Used as Pothos' `maxSize`, which is evaluated before any query runs. */
export function checkedMaxSize(args: PageArgs): number {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw new GraphQLError(`\`${name}\` must be between 0 and ${MAX_PAGE_SIZE}, got ${value}.`, {
        extensions: { code: 'BAD_USER_INPUT', argument: name },
      });
    }
  }
  if (args.first != null && args.last != null) {
    throw new GraphQLError('Pass either `first` or `last`, not both.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return MAX_PAGE_SIZE;
}

export const pageSizeOptions = { defaultSize: DEFAULT_PAGE_SIZE, maxSize: checkedMaxSize } as const;
