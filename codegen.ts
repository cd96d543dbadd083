// Typed documents for the operations the tests (and later clients) use: write an operation with
// `graphql(...)` from test/generated, and its result and variables are typed from schema.graphql.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', '!test/generated/**'],
  ignoreNoDocuments: true,
  // ESM output (NodeNext): relative imports with .js extensions.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        // Every custom scalar mapped: an unmapped one would silently become `any`.
        scalars: {
          BigInt: { input: 'number | string', output: 'number | string' },
          Date: { input: 'string', output: 'string' },
          DateTime: { input: 'string', output: 'string' },
        },
      },
    },
  },
};

export default config;
