// Typed documents for the operations the tests use (write one with `graphql(...)` from
// test/generated: its result and variables are typed from schema.graphql), and the web app's
// operations as persisted documents.
import type { CodegenConfig } from '@graphql-codegen/cli';

const scalars = {
  BigInt: { input: 'number | string', output: 'number | string' },
  Date: { input: 'string', output: 'string' },
  DateTime: { input: 'string', output: 'string' },
  JSONObject: { input: 'Record<string, unknown>', output: 'Record<string, unknown>' },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  // ESM output (NodeNext): relative imports with .js extensions.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/generated/': {
      documents: ['test/**/*.ts', '!test/generated/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        // Every custom scalar mapped: an unmapped one would silently become `any`.
        scalars,
      },
    },
    // The web app's operations (src/operations) as trusted documents: persisted-documents.json maps
    // each document's SHA-256 to its text, and the gateway loads it (src/http/trusted-documents.ts).
    'src/generated/operations/': {
      documents: ['src/operations/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: { useTypeImports: true, enumsAsTypes: true, strictScalars: true, scalars },
    },
  },
};

export default config;
