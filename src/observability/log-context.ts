// The request id and organization id that every log line written while a request is handled
// carries, from anywhere (resolvers, error masking, Yoga's own logging), through AsyncLocalStorage.
// The HTTP layer sets them (src/http/observability.ts); the logger reads them.
import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line of a request carries (see logContextOptions). */
export interface LogFields {
  requestId?: string;
  organizationId?: number;
}

const logContext = new AsyncLocalStorage<LogFields>();

/**
 * pino options that add the current request's id and organization id to every line logged while
 * the request is handled, from anywhere (resolvers, error masking, Yoga's own logging): spread
 * them into the options of the app's logger (`pino({ ...logContextOptions, level })`). Fields
 * given explicitly in a call win, except `undefined` ones.
 */
export const logContextOptions = {
  mixin(): Record<string, unknown> {
    const fields = logContext.getStore();
    if (!fields) return {};
    const mixed: Record<string, unknown> = {};
    if (fields.requestId !== undefined) mixed.requestId = fields.requestId;
    if (fields.organizationId !== undefined) mixed.organizationId = fields.organizationId;
    return mixed;
  },
  mixinMergeStrategy(mergeObject: object, mixinObject: object): object {
    const target = mixinObject as Record<string, unknown>;
    for (const [key, value] of Object.entries(mergeObject)) if (value !== undefined) target[key] = value;
    return target;
  },
};

/** The request id and organization id of the request being handled, if any. */
export function currentLogFields(): LogFields | undefined {
  return logContext.getStore();
}

/** Runs `fn` with `fields` on every line it logs. */
export const withLogFields = <T>(fields: LogFields, fn: () => T): T => logContext.run(fields, fn);
