// The HTTP application, without a listener: tests call `app.fetch(...)`, main.ts serves it.
import { randomUUID } from 'node:crypto';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import { schema } from '../schema/index.js';
import { tokenCache } from './auth.js';
import { buildContext, type Context } from './context.js';
import { maskError, useErrorMasking } from './errors.js';
import { useRequestLimits } from './limits.js';
import type { Logger } from './logger.js';

export interface AppOptions {
  /** The unscoped client; only authentication touches it directly. */
  prisma: PrismaClient;
  logger: Logger;
  /**
   * How long a valid token's person and organizations are kept in memory (ms); 0 reads them on
   * every request. Revocations by other processes take effect within this bound.
   */
  authCacheMs?: number;
  /** Pre-filled in GraphiQL's headers so that explorers of a demo start authenticated. */
  graphiqlToken?: string;
}

const EXAMPLE_QUERY = `# Expenses of your organization, newest first, with totals over the whole filtered set.
query Expenses {
  expenses(first: 10, orderBy: [{ field: DATE, direction: DESC }]) {
    totalCount
    aggregates {
      totalAmount { default { cents currency } normalized { cents currency } }
    }
    nodes {
      id
      name
      date
      amount { original { cents currency } default { cents currency } }
      deal { name company { name } }
      serviceType { name }
    }
  }
}
`;

export function createApp(options: AppOptions) {
  const { prisma, logger } = options;
  const requestIds = new WeakMap<Request, string>();
  const tokens = options.authCacheMs ? tokenCache(options.authCacheMs) : undefined;

  const requestIdPlugin: Plugin = {
    onRequest({ request }) {
      const given = request.headers.get('x-request-id');
      requestIds.set(request, given && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID());
    },
    onResponse({ request, response }) {
      const id = requestIds.get(request);
      if (id) response.headers.set('x-request-id', id);
    },
  };

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // useRequestLimits refuses bodies over 1 MiB from their Content-Length; Yoga's own limit would
    // also pipe every body through a counting stream (8 % of the CPU of a small request).
    maxRequestBodySize: false,
    context: (initial) => buildContext(prisma, initial, requestIds.get(initial.request) ?? randomUUID(), tokens),
    // Always on, also in development: errors reach clients only when raised on purpose.
    maskedErrors: {
      maskError: (error) =>
        maskError(
          error instanceof GraphQLError ? error : new GraphQLError('wrapped', { originalError: error as Error }),
          undefined,
          logger,
        ),
    },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    graphiql: {
      title: 'Agency GraphQL gateway',
      defaultQuery: EXAMPLE_QUERY,
      headers: options.graphiqlToken
        ? JSON.stringify({ Authorization: `Bearer ${options.graphiqlToken}` }, null, 2)
        : undefined,
    },
    plugins: [
      requestIdPlugin,
      useRequestLimits(),
      useErrorMasking(logger),
      // Bounds on what one request may ask for: deep nesting, alias floods, huge documents.
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 30 },
        // Sized so that the largest page (first: 200) with every field and the totals fits
        // (about 82 000); depth, alias and token limits bound the rest.
        costLimit: { maxCost: 250_000 },
        maxTokens: { n: 5000 },
        maxDirectives: { n: 50 },
        // Field suggestions help people exploring in GraphiQL; the schema is public anyway.
        blockFieldSuggestion: { enabled: false },
      }),
    ],
  });
}

export type App = ReturnType<typeof createApp>;
