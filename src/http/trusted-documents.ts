// Trusted documents (persisted operations) for the web app's backend-for-frontend. `npm run codegen`
// writes the web app's operations (src/operations) to src/generated/operations/persisted-documents.json,
// a map from `sha256:<hex>` to the document. A client sends the id instead of the query:
//
//   { "documentId": "sha256:534d...", "variables": { ... } }                       (GraphQL over HTTP)
//   { "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "534d..." } } } (Apollo, urql)
//   GET /graphql?documentId=sha256:534d...&variables=...                           (queries only)
//
// Mode `allow` (the default) runs both known ids and arbitrary queries (GraphiQL, other clients);
// mode `only` runs known ids and nothing else, so that a leaked token cannot run queries the web app
// never sends. Yoga's persisted-operations plugin does the work.
import { readFile } from 'node:fs/promises';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';

export type PersistedOperationsMode = 'allow' | 'only';

/** `sha256:<hex>` → the document, as GraphQL Code Generator writes it. */
export type PersistedDocuments = Readonly<Record<string, string>>;

export const PERSISTED_DOCUMENTS_FILE = new URL('../generated/operations/persisted-documents.json', import.meta.url);

export async function loadPersistedDocuments(file: URL = PERSISTED_DOCUMENTS_FILE): Promise<PersistedDocuments> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`No persisted documents at ${file.pathname}: run \`npm run codegen\` (it writes them from src/operations).`);
  }
  return JSON.parse(text) as PersistedDocuments;
}

const HEX = /^[0-9a-f]{64}$/;

/**
 * The id a request names, as `sha256:<hex>`: `documentId` (in a JSON body, or in the URL of a GET:
 * Yoga's GET parser keeps only query, operationName, variables and extensions), or Apollo's
 * `persistedQuery.sha256Hash`. A mutation named by GET is refused later, like any mutation by GET
 * (405, Yoga's usePreventMutationViaGET checks the parsed document).
 */
function documentIdOf(params: GraphQLParams & { documentId?: unknown }, request: Request): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  if (request.method === 'GET') {
    const fromUrl = new URL(request.url).searchParams.get('documentId');
    if (fromUrl) return fromUrl;
  }
  const hash = (params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  return typeof hash === 'string' && HEX.test(hash) ? `sha256:${hash}` : null;
}

export function useTrustedDocuments(mode: PersistedOperationsMode, documents: PersistedDocuments): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: mode === 'allow',
    extractPersistedOperationId: (params, request) => documentIdOf(params, request),
    getPersistedOperation: (id) => (Object.hasOwn(documents, id) ? documents[id]! : null),
    customErrors: {
      notFound: { message: 'Unknown document id: this gateway runs only the documents it was built with.', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } } },
      persistedQueryOnly: { message: 'This gateway runs only trusted documents: send a `documentId`, not a query.', extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } } },
      // Neither a query nor an id: in mode `allow` a query would have done, so the message says so.
      keyNotFound:
        mode === 'only'
          ? { message: 'Send a `documentId` (or `extensions.persistedQuery.sha256Hash`).', extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } } }
          : { message: 'Send a `query` or a `documentId`.', extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
    },
  });
}
