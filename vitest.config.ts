import { defineConfig } from 'vitest/config'

// Node-side tests in two tiers by file name (README "Testing"): `*.int.test.ts` need the real
// MySQL/Redis, child services or the service bundle, so only their project has test/global-setup.ts
// (which builds the bundle and starts a Redis Cluster); every other `*.test.ts` needs nothing and runs
// with MySQL and Redis stopped. Packages with their own needs (the widget) bring a vitest.config.ts.
const nodeTests = [
  'packages/{server,coze-sim,client}/{src,test}/**/*.test.ts',
  'examples/*/src/**/*.test.ts',
  'test/**/*.test.ts',
  'scripts/**/*.test.ts',
  'deploy/**/*.test.ts',
]
// Contract suites run only through the adapters' test files that import them.
const notRunAlone = ['**/node_modules/**', '**/*.contract.test.ts']
// Workspace packages from their sources (`@volcano-chat/source`, as tsc resolves them): an edit in
// packages/client/src is seen without a rebuild of its dist/. Then vitest's defaults for node
// (Vite's defaultServerConditions minus `module`), which setting the list would otherwise drop. Vite
// 6+ reads `ssr.resolve` for node-side tests (and vitest passes it to its workers as --conditions).
// The widget-int/e2e projects keep the built packages, as an installer gets them.
const sourceFirst = { resolve: { conditions: ['@volcano-chat/source', 'node', 'development|production'] } }

export default defineConfig({
  test: {
    projects: [
      {
        ssr: sourceFirst,
        test: {
          name: 'unit',
          include: nodeTests,
          exclude: [...notRunAlone, '**/*.int.test.ts'],
          // Files share a worker's module graph (importing fastify & co. once, not per file: about a
          // third of the CPU time); unit-setup.ts puts back timers, globals and env after each file.
          pool: 'threads',
          isolate: false,
          setupFiles: ['test/unit-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        ssr: sourceFirst,
        test: {
          name: 'int',
          include: nodeTests.map((glob) => glob.replace(/\.test\.ts$/, '.int.test.ts')),
          exclude: notRunAlone,
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      // The widget's jsdom unit tests (project `widget`); what needs its built dist/ or Chromium:
      'packages/*/vitest.config.ts',
      {
        test: {
          name: 'widget-int',
          root: 'packages/widget',
          include: ['src/**/*.int.test.ts'],
          environment: 'node',
          // A build of dist/ takes longer than a test may: the hook's timeout is the longer one.
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'widget-e2e',
          root: 'packages/widget',
          include: ['e2e/**/*.e2e.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      'e2e/vitest.config.ts',
    ],
  },
})
