/**
 * The server's three tiers (issue 22): core/ <- features <- app/, one way.
 *
 *   core/      errors, wire, config, logger, http helpers (sse, cidr, body, client-ip, auth …),
 *              the kv, bus, locks and stream-log ports, key names, the Coze client. Imports nothing
 *              outside core/.
 *   features   every other folder (identity, chat, voice, audit, limits, metrics, store, backends,
 *              health, widget …). Imports core/ at run time; another feature only from its `types.ts`
 *              (its declared interface) and only with `import type` (erased from the build); never app/.
 *              backends/ holds every state adapter (redis/, memory/) behind the ports in core/ and
 *              limits/types.ts.
 *   app/       app.ts, services.ts, main.ts, guards, cli, openapi: the assembly. Imports anything.
 *
 * Run: `depcruise packages/server/src --config .dependency-cruiser.mjs` (part of `npm run lint`).
 * Zero exceptions: no rule has a pathNot for a particular file.
 */
const SRC = '^packages/server/src/'
const TEST = '[.]test[.]ts$|[.]factory[.]ts$' // *.test.ts, *.int.test.ts, *.contract.test.ts …, row factories
const CORE = `${SRC}core/`
const APP = `${SRC}(app/|[^/]+[.]ts$)` // app/ and the package entry (src/index.ts)
const FEATURE = `${SRC}(?!core/|app/)[^/]+/`

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle between files, type imports included.',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'No import cycle between folders (chat -> identity -> chat), type imports included.',
      scope: 'folder',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'core/ is the bottom tier: it imports nothing from a feature or app/, not even a type.',
      from: { path: CORE, pathNot: TEST },
      to: { path: SRC, pathNot: CORE },
    },
    {
      name: 'features-never-import-app',
      severity: 'error',
      comment: 'app/ assembles the features; a feature never reaches up into it.',
      from: { path: FEATURE, pathNot: TEST },
      to: { path: APP },
    },
    {
      name: 'features-share-only-types',
      severity: 'error',
      comment:
        'A feature imports another feature only with `import type` (its declared interface). Shared run-time code moves to core/.',
      from: { path: `${SRC}(?!core/|app/)([^/]+)/`, pathNot: TEST },
      to: {
        path: FEATURE,
        pathNot: [`${SRC}$1/`],
        dependencyTypesNot: ['type-only', 'type-import'],
      },
    },
    {
      name: 'features-share-only-types-files',
      severity: 'error',
      comment:
        "A feature imports another feature only from that feature's `types.ts`: the one file that declares what it offers.",
      from: { path: `${SRC}(?!core/|app/)([^/]+)/`, pathNot: TEST },
      to: { path: FEATURE, pathNot: [`${SRC}$1/`, `${SRC}[^/]+/types[.]ts$`] },
    },
    {
      name: 'no-src-to-test',
      severity: 'error',
      comment: 'Shipped code never imports a test, a test helper or a factory.',
      from: { path: SRC, pathNot: TEST },
      to: { path: `${TEST}|^packages/server/test/|^test/|^bench/|^e2e/` },
    },
  ],
  options: {
    // Tests are nodes (so no-src-to-test sees an import of one) but their own imports are not followed:
    // a test may reach anywhere, and it is no part of the tiers or of a cycle.
    doNotFollow: { path: ['node_modules', TEST, '^packages/server/test/'] },
    exclude: { path: '(^|/)node_modules/|[.]d[.]ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
