// Error masking: a client sees GraphQL errors we raised on purpose, and for anything else only
// "Unexpected error." with a request id -- never a stack, a SQL text or a driver message. The
// original is logged server-side under the same request id.
import { PothosError, PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { BadInput } from '../domain/kit/errors.js';
import type { Logger } from '../observability/logger.js';

/** Raised on purpose for the client: our GraphQLErrors. Pothos' own errors are GraphQLErrors too, but internal. */
function isIntended(error: GraphQLError): boolean {
  const original = error.originalError ?? error;
  return original instanceof GraphQLError && !(original instanceof PothosError);
}

export function maskError(error: GraphQLError, requestId: string | undefined, logger: Logger): GraphQLError {
  const original = error.originalError ?? error;
  // Checked first: Pothos' validation errors are GraphQLErrors too, but carry no code.
  if (original instanceof PothosValidationError) {
    // Pothos rejects malformed cursors and connection arguments this way: the client's mistake.
    return new GraphQLError(original.message, {
      path: error.path,
      nodes: error.nodes,
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  if (original instanceof BadInput) {
    return new GraphQLError(original.message, {
      path: error.path,
      nodes: error.nodes,
      extensions: { code: 'BAD_USER_INPUT', ...(original.argument && { argument: original.argument }) },
    });
  }
  if (isIntended(error)) return error;
  logger.error({ err: original, requestId, path: error.path?.join('.') }, 'unexpected error');
  return new GraphQLError('Unexpected error.', {
    path: error.path,
    nodes: error.nodes,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  });
}

/** Masks execution errors with the request's id at hand (Yoga's own masking has no context). */
export function useErrorMasking(logger: Logger): Plugin<{ requestId?: string }> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          if (!('errors' in result) || !result.errors?.length) return;
          const requestId = args.contextValue.requestId;
          setResult({ ...result, errors: result.errors.map((e) => maskError(e as GraphQLError, requestId, logger)) });
        },
      };
    },
  };
}
