// What one HTTP request may carry before any GraphQL work starts: the body's size, and how deep and
// how long the variables are. Query-text limits (depth, aliases, tokens, cost) cannot see
// variables, and graphql-js coerces them recursively: a 100 000-element list or a filter nested
// 3 000 deep must be refused here, cheaply, with a message that names the limit.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const LIMITS = {
  /** Request bodies larger than this are refused with 413. */
  bodyBytes: 1024 * 1024,
  /** How deep objects and lists may nest in `variables`. */
  variablesDepth: 32,
  /** How many values one list in `variables` may hold (argument limits are lower: 200 ids, 500 filter values). */
  variablesList: 1000,
  /**
   * How many values `variables` may hold in all, the counterpart of the 5 000-token limit on the
   * query text (which cannot see variables): 30 aliases each sending 1 000 values would pass every
   * per-list limit.
   */
  variablesValues: 5000,
  /**
   * How deep braces and brackets may nest in the query text. graphql-js parses recursively, and a
   * literal nested a few thousand deep overflows the stack before the token limit is reached.
   */
  textNesting: 64,
} as const;

/** The deepest nesting of `{`/`[`/`(` in a query text, outside strings and comments. */
function textNesting(query: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === '#') {
      while (i < query.length && query[i] !== '\n') i++;
    } else if (c === '"') {
      const block = query.startsWith('"""', i);
      const end = block ? '"""' : '"';
      i += end.length;
      while (i < query.length && !query.startsWith(end, i)) i += query[i] === '\\' ? 2 : 1;
      i += end.length - 1;
    } else if (c === '{' || c === '[' || c === '(') {
      max = Math.max(max, ++depth);
    } else if (c === '}' || c === ']' || c === ')') {
      depth--;
    }
  }
  return max;
}

function tooLarge(message: string, limit: string, status: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'REQUEST_TOO_LARGE', limit, http: { status } } });
}

/** The first way `value` exceeds the variable limits, or null. Iterative: a deep value must not overflow our stack either. */
function variablesProblem(value: unknown): string | null {
  const stack: Array<[unknown, number, string]> = [[value, 0, '$']];
  let count = 0;
  while (stack.length) {
    const [node, depth, path] = stack.pop()!;
    if (++count > LIMITS.variablesValues + 1) return `variables hold more than ${LIMITS.variablesValues} values in all`;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= LIMITS.variablesDepth) return `variables nest deeper than ${LIMITS.variablesDepth} levels (at ${path.slice(0, 200)})`;
    if (Array.isArray(node)) {
      if (node.length > LIMITS.variablesList) {
        return `a list in variables holds ${node.length} values, more than ${LIMITS.variablesList} (at ${path.slice(0, 200)})`;
      }
      node.forEach((item, i) => stack.push([item, depth + 1, `${path}[${i}]`]));
    } else {
      for (const [key, item] of Object.entries(node)) stack.push([item, depth + 1, `${path}.${key}`]);
    }
  }
  return null;
}

/** Whether the body is over the limit: known at once from Content-Length, else (chunked) by counting it. */
function bodyTooLarge(request: Request): boolean | Promise<boolean> {
  const declared = request.headers.get('content-length');
  if (declared !== null) return Number(declared) > LIMITS.bodyBytes;
  if (!request.body) return false;
  return chunkedBodyTooLarge(request);
}

async function chunkedBodyTooLarge(request: Request): Promise<boolean> {
  // No declared length (chunked): count what arrives, on a copy, and stop at the limit.
  const reader = request.clone().body!.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return false;
    size += value.byteLength;
    if (size > LIMITS.bodyBytes) {
      await reader.cancel();
      return true;
    }
  }
}

/** Armor's rejections read "Syntax Error: Query depth limit of 12 exceeded, found 13." with no code. */
const ARMOR = /^Syntax Error: (.*\blimit of (\d+) exceeded.*)$/;

/**
 * Armor's rejections as QUERY_TOO_COMPLEX errors naming their limit; the same result when it has
 * none. Yoga's HTTP responses get this from `useRequestLimits`; WebSockets call it themselves.
 */
export function withComplexityCodes<T extends { errors?: readonly GraphQLError[] }>(result: T): T {
  if (!result.errors?.length) return result;
  let changed = false;
  const errors = result.errors.map((error) => {
    const match = ARMOR.exec(error.message);
    if (!match) return error;
    changed = true;
    return new GraphQLError(`Query too complex: ${match[1]}`, {
      extensions: { code: 'QUERY_TOO_COMPLEX', limit: Number(match[2]), http: { status: 400 } },
    });
  });
  return changed ? { ...result, errors } : result;
}

export function useRequestLimits(): Plugin {
  return {
    // Synchronous unless the body is chunked: a hook that returns a promise makes Yoga run the rest of
    // every request's hooks asynchronously (bench/results/2026-12-07-floor.md).
    onRequestParse({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const refuse = (tooBig: boolean) => {
        if (!tooBig) return;
        const error = tooLarge(`The request body is larger than ${LIMITS.bodyBytes} bytes.`, 'bodyBytes', 413);
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message: error.message, extensions: { code: 'REQUEST_TOO_LARGE', limit: 'bodyBytes' } }] }), {
            status: 413,
            headers: { 'content-type': 'application/json' },
          }),
        );
      };
      const tooBig = bodyTooLarge(request);
      return typeof tooBig === 'boolean' ? refuse(tooBig) : tooBig.then(refuse);
    },
    onParams({ params, setResult }) {
      if (typeof params.query === 'string' && textNesting(params.query) > LIMITS.textNesting) {
        setResult({
          errors: [
            new GraphQLError(`Query too complex: the query text nests deeper than ${LIMITS.textNesting} levels.`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', limit: LIMITS.textNesting, http: { status: 400 } },
            }),
          ],
        });
        return;
      }
      const problem = variablesProblem(params.variables);
      if (problem) {
        const limit = problem.startsWith('a list') ? 'variablesList' : problem.includes('in all') ? 'variablesValues' : 'variablesDepth';
        setResult({ errors: [tooLarge(`Refused: ${problem}.`, limit, 400)] });
      }
    },
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result)) return;
      const coded = withComplexityCodes(result);
      if (coded !== result) setResult(coded);
    },
  };
}
