// Per-request DataLoaders for what Prisma cannot batch by itself (grouped sums per parent row).
// Each is made on first use under a name that says what it loads and with which arguments, so
// that all parents asking the same thing in one request share one batch -- one statement.
import DataLoader from 'dataloader';

export class Loaders {
  readonly #loaders = new Map<string, DataLoader<unknown, unknown>>();
  readonly #remember: boolean;

  /**
   * `remember: false` for an operation that writes (a mutation, src/http/context.ts): loads of one
   * tick still share one batch, but nothing is kept after it, so a payload read after a write never
   * gets what an earlier mutation field's payload loaded before it.
   */
  constructor(options: { remember?: boolean } = {}) {
    this.#remember = options.remember ?? true;
  }

  /** The loader called `name` in this request, made with `batch` the first time. */
  get<K, V>(name: string, batch: (keys: readonly K[]) => Promise<ReadonlyArray<V | Error>>): DataLoader<K, V> {
    let loader = this.#loaders.get(name);
    if (!loader) this.#loaders.set(name, (loader = new DataLoader(batch as never, { cache: this.#remember })));
    return loader as DataLoader<K, V>;
  }

  /**
   * Empties every loader's cache; loads already under way finish as they are. Each loader stays the
   * same object: code that holds one for the rest of the request (src/schema/kit/list.ts keeps one
   * per field node) loads afresh through it too.
   */
  forget(): void {
    for (const loader of this.#loaders.values()) loader.clearAll();
  }
}

/** A stable text of arguments (filters hold bigints and dates) for a loader's name. */
export function argumentsKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Set ? [...(v as Set<unknown>)].sort() : v,
  );
}
