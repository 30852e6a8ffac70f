import { defineConfig } from 'vitest/config'

// One project per runtime: node-side packages share the real MySQL/Redis set up in
// test/global-setup.ts; packages with their own needs (the widget) bring a vitest.config.ts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: [
            'packages/{server,coze-sim,client}/{src,test}/**/*.test.ts',
            'examples/*/src/**/*.test.ts',
            'test/**/*.test.ts',
            'scripts/**/*.test.ts',
            'deploy/**/*.test.ts',
          ],
          // Contract suites run only through the adapters' test files that import them.
          exclude: ['**/node_modules/**', '**/*.contract.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      'packages/*/vitest.config.ts',
      'e2e/vitest.config.ts',
    ],
  },
})
