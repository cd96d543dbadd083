import type { ScopedClient } from './scope.js';

/** The client inside `db.$transaction(async (tx) => ...)`: the same scope, and no nested transactions. */
export type ScopedTx = Omit<ScopedClient, '$transaction' | '$connect' | '$disconnect' | '$on' | '$extends'>;
