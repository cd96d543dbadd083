// Tag lists (deals, invoices): what a write stores, and the filter on them.
import type { Where } from './conditions.js';
import { BadInput } from './errors.js';
import { invalid, type UserError } from './result.js';

const MAX_TAGS = 50;
const MAX_TAG = 100;

/** Tags trimmed, blank ones and repeats dropped; the problem with them goes to `errors`. */
export function cleanTags(tags: readonly string[], errors: UserError[]): string[] {
  const clean = [...new Set(tags.map((tag) => tag.trim()).filter((tag) => tag !== ''))];
  if (clean.length > MAX_TAGS) errors.push(invalid('tagList', `may hold at most ${MAX_TAGS} tags`));
  else if (clean.some((tag) => tag.length > MAX_TAG)) errors.push(invalid('tagList', `tags may be at most ${MAX_TAG} characters long`));
  else if (clean.some((tag) => tag.includes('\u0000'))) errors.push(invalid('tagList', 'cannot contain the NUL character (\\u0000)'));
  return clean;
}

/** Rows carrying any of these tags (exact, case-sensitive). */
export function anyTag(tags: string[]): Where {
  // PostgreSQL text cannot hold NUL: say so, rather than fail in the database.
  if (tags.some((tag) => tag.includes('\u0000'))) throw new BadInput('`tags` cannot contain the NUL character (\\u0000).', 'filter.tags');
  return { tagList: { hasSome: tags } };
}
