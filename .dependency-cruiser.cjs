// Which way imports may point in src/ (test/imports.test.ts runs this in the suite; `npm run
// lint:imports` prints the same). From the top:
//   main/ (the processes: npm start, the worker)     cli/ (operator commands)
//   http/ (the Yoga app, its context and plugins)
//   schema/ (the GraphQL API)
//   limits/ (cost analysis and rate limits)
//   domain/, changes/, webhooks/, auth/, exports/ (rules, change events and their delivery, tokens,
//     bulk exports' runs: never the API; an export runs the schema it is handed)
//   db/, money/, observability/ (storage, arithmetic, logs and metrics: nothing above them)
// main/ and cli/ never import each other; only they read config.ts (settings are passed down). No cycles.
const ALL = ['main', 'cli', 'config', 'http', 'schema', 'limits', 'domain', 'changes', 'webhooks', 'auth', 'exports', 'db', 'money', 'observability'];
const ABOVE = {
  main: ['cli'],
  cli: ['main', 'http'],
  http: ['main', 'cli', 'config'],
  schema: ['main', 'cli', 'config', 'http'],
  limits: ['main', 'cli', 'config', 'http', 'schema'],
  ...Object.fromEntries(['domain', 'changes', 'webhooks', 'auth', 'exports'].map((layer) => [layer, ['main', 'cli', 'config', 'http', 'schema', 'limits']])),
  db: ALL.filter((layer) => layer !== 'db'),
  money: ALL.filter((layer) => layer !== 'money'),
  observability: ALL.filter((layer) => layer !== 'observability'),
};

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'an import cycle', from: { path: '^src/' }, to: { circular: true } },
    ...Object.entries(ABOVE).map(([layer, higher]) => ({
      name: `${layer}-points-down`,
      severity: 'error',
      comment: `${layer}/ must not import ${higher.join(', ')}`,
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${higher.join('|')})(/|\\.ts$)` },
    })),
    {
      name: 'every-file-in-a-layer',
      severity: 'error',
      comment: 'a file of src/ outside the known folders: add its folder to the layers above',
      from: { path: '^src/', pathNot: `^src/(${ALL.join('|')})(/|\\.ts$)|^src/generated/` },
      to: {},
    },
  ],
  options: {
    includeOnly: '^src/',
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
