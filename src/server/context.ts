// Built once per request, already scoped: resolvers get the organization-bound client and never
// the raw one.
import type { YogaInitialContext } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import { scopedClient } from '../db/scope.js';
import type { Context } from '../schema/context.js';
import { Loaders } from '../schema/kit/loaders.js';
import { authenticate, type TokenCache } from './auth.js';
import { chargeOperation } from './rate-limit.js';

export type { Context };

export async function buildContext(
  system: PrismaClient,
  initial: YogaInitialContext,
  requestId: string,
  tokens?: TokenCache,
): Promise<Context> {
  // The token's bucket first: an operation over its limit is refused before the token is looked up.
  await chargeOperation(initial);
  const viewer = await authenticate(system, initial.request.headers, tokens);
  const organizationId = viewer.organization.id;
  return {
    requestId,
    viewer,
    db: scopedClient(system, { organizationId }),
    bin: scopedClient(system, { organizationId, includeDeleted: true }),
    loaders: new Loaders(),
  };
}
