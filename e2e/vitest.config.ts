import { defineProject } from 'vitest/config'

// Browser flows against the real stack (coze-sim + Chat Service on MySQL/Redis + demo website A),
// driven in /usr/bin/chromium. Picked up by the root config's `projects`.
export default defineProject({
  test: {
    name: 'e2e',
    root: import.meta.dirname,
    environment: 'node',
    include: ['**/*.e2e.ts'],
    // Per-run MySQL database names and Redis prefixes, dropped again at the end (test/global-setup.ts).
    globalSetup: ['../test/global-setup.ts'],
    // One Chromium and one stack at a time: the flows are heavy, and none of them times anything.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
