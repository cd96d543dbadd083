// Per-request DataLoaders for what Prisma cannot batch by itself (grouped sums per parent row).
// Each is made on first use under a name that says what it loads and with which arguments, so
// that all parents asking the same thing in one request share one batch -- one statement.
import DataLoader from 'dataloader';

export class Loaders {
  readonly #loaders = new Map<string, DataLoader<unknown, unknown>>();

  /** The loader called `name` in this request, made with `batch` the first time. */
  get<K, V>(name: string, batch: (keys: readonly K[]) => Promise<ReadonlyArray<V | Error>>): DataLoader<K, V> {
    let loader = this.#loaders.get(name);
    if (!loader) this.#loaders.set(name, (loader = new DataLoader(batch as never)));
    return loader as DataLoader<K, V>;
  }
}

/** A stable text of arguments (filters hold bigints and dates) for a loader's name. */
export function argumentsKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Set ? [...(v as Set<unknown>)].sort() : v,
  );
}
