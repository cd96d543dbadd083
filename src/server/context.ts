// Built once per request, already scoped: resolvers get the organization-bound client and never
// the raw one.
import type { YogaInitialContext } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.js';
import { scopedClient } from '../db/scope.js';
import type { Context } from '../schema/context.js';
import { authenticate } from './auth.js';

export type { Context };

export async function buildContext(
  system: PrismaClient,
  initial: YogaInitialContext,
  requestId: string,
): Promise<Context> {
  const viewer = await authenticate(system, initial.request.headers);
  return { requestId, viewer, db: scopedClient(system, { organizationId: viewer.organization.id }) };
}
