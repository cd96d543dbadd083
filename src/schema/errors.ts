// Mutation failures are data, not exceptions: every payload carries `userErrors`.
import { builder } from './builder.js';
import type { UserError } from '../domain/kit/result.js';

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'A problem with the input of a mutation. When a payload has any, nothing was written.',
  fields: (t) => ({
    field: t.exposeStringList('field', {
      description: 'Path to the input field at fault, e.g. `["input", "name"]`.',
    }),
    message: t.exposeString('message', { description: "Human-readable, e.g. `can't be blank`." }),
    code: t.exposeString('code', {
      description: 'Stable machine-readable code, e.g. `BLANK`, `INVALID`, `NOT_FOUND`, `ALREADY_APPROVED`.',
    }),
  }),
});
