// Names for PostgreSQL prepared statements, one per distinct SQL text. With a name, `pg` parses a
// statement once per connection and then only binds and executes it: PostgreSQL skips parsing and
// (once it settles on a generic plan) planning, and the client sends one message fewer. PostGraphile
// does the same. Each prepared statement costs memory on every connection that ran it (its parse
// tree and plans, tens of KB for a page with nested relations), and the texts are many: every
// selection shape of every query a client sends, every length of a list of values. So a text is
// named from its second run on (a one-off query prepares nothing), and at most MAX_NAMED texts are
// named per process; past that a statement runs unnamed, as it did before. That bounds what a
// connection keeps, whatever clients send (500 statements, about 25 MB at worst).
import type { PrismaPg } from '@prisma/adapter-pg';

type NameStatement = NonNullable<NonNullable<ConstructorParameters<typeof PrismaPg>[1]>['statementNameGenerator']>;

export const MAX_NAMED = 500;
/** Texts remembered as run once, waiting for their second run (a string each: bounded too). */
const MAX_SEEN = 4 * MAX_NAMED;

export interface StatementNames extends NameStatement {
  /**
   * Names every text afresh, so that each connection parses it again. For a prepared statement whose
   * result columns changed under it (a migration changed a column's type): PostgreSQL then refuses
   * it on every execution (`cached plan must not change result type`) until it is prepared anew.
   */
  forget(): void;
}

export function statementNames(max = MAX_NAMED): StatementNames {
  // A text's name, or null while it has run once.
  const names = new Map<string, string | null>();
  let count = 0;
  let generation = 0;
  const name = ({ sql }: { sql: string }) => {
    let named = names.get(sql);
    if (named === null && count < max) {
      named = `g${generation}_${(count++).toString(36)}`;
      names.set(sql, named);
    } else if (named === undefined && names.size < max + MAX_SEEN) {
      names.set(sql, null);
    }
    // Unnamed: pg's own default (its type says string, its code takes undefined as no name).
    return (named ?? undefined) as string;
  };
  return Object.assign(name, {
    forget() {
      generation += 1;
      count = 0;
      names.clear();
    },
  });
}

/** Whether a failure of the driver adapter is PostgreSQL refusing a prepared statement whose result changed. */
export function isStalePlan(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = error; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const { message, originalMessage } = e as { message?: unknown; originalMessage?: unknown };
    if ([message, originalMessage].some((m) => typeof m === 'string' && m.includes('cached plan must not change result type'))) return true;
  }
  return false;
}
