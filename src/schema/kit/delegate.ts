import type { Context } from '../context.js';

/** `invoice attribution` for `InvoiceAttribution`: a type as descriptions and messages name it. */
export const typeWords = (type: string): string => type.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();

/** `expense` for `Expense`: the name of a model's delegate on the Prisma client. */
export const delegateName = (type: string): string => type[0]!.toLowerCase() + type.slice(1);

/**
 * The request's scoped delegate of a model named at run time (the kits are generic over models),
 * typed with just the operations the caller uses.
 */
export function delegateOf<T>(ctx: Context, type: string): T {
  return (ctx.db as unknown as Record<string, T>)[delegateName(type)]!;
}
