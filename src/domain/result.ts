// What every domain function returns: the value, or the complete list of problems with the input.

export interface UserError {
  /** Path to the input field, e.g. ['input', 'name']. */
  field: string[];
  message: string;
  code: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(...errors: UserError[]): Result<T> => ({ ok: false, errors });

export const MESSAGES = {
  blank: "can't be blank",
  invalidCurrency: 'is not an valid currency', // sic: the reference's wording, kept for clients that match on it
  invalid: 'is invalid',
  notFound: 'not found',
} as const;

export function notFound(field: string[], what: string): UserError {
  return { field, message: `${what} ${MESSAGES.notFound}`, code: 'NOT_FOUND' };
}
