// What every domain write returns -- the value, or the complete list of problems with the input --
// and the checks every domain's validation is made of, so that messages and codes are the same
// everywhere (the reference's wording).

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
  // The reference says "is not an valid currency"; we fix the article (issue 8). Clients should
  // match on the code INVALID_CURRENCY, which is unchanged.
  invalidCurrency: 'is not a valid currency',
  invalid: 'is invalid',
  notFound: 'not found',
} as const;

/** The path of a field of a mutation's `input`. */
export const at = (name: string): string[] => ['input', name];

export function notFound(field: string[], what: string): UserError {
  return { field, message: `${what} ${MESSAGES.notFound}`, code: 'NOT_FOUND' };
}

export const blank = (name: string): UserError => ({ field: at(name), message: MESSAGES.blank, code: 'BLANK' });

export const invalid = (name: string, message: string = MESSAGES.invalid): UserError => ({
  field: at(name),
  message,
  code: 'INVALID',
});

export const tooLong = (name: string, max: number): UserError => ({
  field: at(name),
  message: `is too long (maximum is ${max} characters)`,
  code: 'TOO_LONG',
});

export const isBlank = (value: string | null | undefined): boolean => value == null || value.trim() === '';

/** Whether an update input mentions a field at all (`null` clears it; absent leaves it). */
export const given = <T extends object>(input: T, key: keyof T): boolean => input[key] !== undefined;

/** The fields among `keys` an update input mentions, as given (`null` clears): what an update writes of them. */
export function changed<T extends object, K extends keyof T>(input: T, keys: readonly K[]): { [P in K]?: T[P] } {
  return Object.fromEntries(keys.filter((key) => given(input, key)).map((key) => [key, input[key]])) as { [P in K]?: T[P] };
}

/** A field as a write leaves it: the input's when creating (`existing` null) or when it mentions the field, else the stored one. */
export function fieldAfter<T extends object, E extends object, K extends keyof T & keyof E>(input: T, existing: E | null, key: K): T[K] | E[K] {
  return existing === null || given(input, key) ? input[key] : existing[key];
}

const NUL = 'cannot contain the NUL character (\\u0000)';

/** Long texts (a description, a note) of every domain. */
export const MAX_LONG_TEXT = 10_000;

/** A required text field: blank, longer than `max`, or holding a NUL (PostgreSQL text cannot) is reported. */
export function checkText(errors: UserError[], name: string, value: string | null | undefined, max: number): void {
  if (isBlank(value)) errors.push(blank(name));
  else if (value!.length > max) errors.push(tooLong(name, max));
  else if (value!.includes('\u0000')) errors.push(invalid(name, NUL));
}

/** An optional text field: longer than `max` or holding a NUL is reported; blank is none (see `optionalText`). */
export function checkOptionalText(errors: UserError[], name: string, value: string | null | undefined, max: number): void {
  if (value == null) return;
  if (value.length > max) errors.push(tooLong(name, max));
  else if (value.includes('\u0000')) errors.push(invalid(name, NUL));
}

/** An optional text as stored: trimmed; a blank one is none. */
export const optionalText = (value: string | null | undefined): string | null => (isBlank(value) ? null : value!.trim());

/** The errors in the order of the input's fields (the reference's order), whatever order the checks ran in. */
export function inInputOrder(errors: readonly UserError[], fields: readonly string[]): UserError[] {
  const rank = (e: UserError) => {
    const i = fields.indexOf(e.field[1] ?? '');
    return i === -1 ? fields.length : i;
  };
  return [...errors].sort((x, y) => rank(x) - rank(y));
}
