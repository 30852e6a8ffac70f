import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// Picked up by the root config (`projects: ['packages/*/vitest.config.ts']`).
export default defineProject({
  plugins: [vue()],
  // Same markdown-it as the script-tag bundle (see vite.config.ts).
  resolve: { alias: { entities: fileURLToPath(new URL('src/render/entities.ts', import.meta.url)) } },
  test: {
    name: 'widget',
    root: import.meta.dirname,
    environment: 'jsdom',
    // The SFC styles are the widget's only CSS: element.test.ts checks they reach the shadow root.
    css: true,
    // The unit tier: what needs dist/ (a build) or Chromium is in the root config's widget-int/widget-e2e.
    include: ['src/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.int.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
})
