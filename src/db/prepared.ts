// Names for PostgreSQL prepared statements, one per distinct SQL text. With a name, `pg` parses a
// statement once per connection and then only binds and executes it: PostgreSQL skips parsing and
// (once it settles on a generic plan) planning, and the client sends one message fewer. PostGraphile
// does the same. The texts Prisma sends are a bounded set (its plans are cached per query shape), but
// lists of values make new texts, so past MAX_NAMED texts a statement runs unnamed, as before:
// neither this map nor each connection's statements can grow without bound.
import type { PrismaPg } from '@prisma/adapter-pg';

type NameStatement = NonNullable<NonNullable<ConstructorParameters<typeof PrismaPg>[1]>['statementNameGenerator']>;

export const MAX_NAMED = 2_000;

export interface StatementNames extends NameStatement {
  /**
   * Names every text afresh, so that each connection parses it again. For a prepared statement whose
   * result columns changed under it (a migration changed a column's type): PostgreSQL then refuses
   * it on every execution (`cached plan must not change result type`) until it is prepared anew.
   */
  forget(): void;
}

export function statementNames(max = MAX_NAMED): StatementNames {
  const names = new Map<string, string>();
  let generation = 0;
  const name = ({ sql }: { sql: string }) => {
    let named = names.get(sql);
    if (named === undefined && names.size < max) {
      named = `g${generation}_${names.size.toString(36)}`;
      names.set(sql, named);
    }
    // Unnamed: pg's own default (its type says string, its code takes undefined as no name).
    return named as string;
  };
  return Object.assign(name, {
    forget() {
      generation += 1;
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
