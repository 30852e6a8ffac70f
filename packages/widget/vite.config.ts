/**
 * Four library builds into one `dist/` (`npm run build` runs them in order; the loader last, so a
 * fresh `volcano-chat.js` means a complete `dist/`):
 *   default  `volcano-chat.app.js`  IIFE the loader fetches: Vue, markdown-it, DOMPurify, hljs core inside
 *   lang     `lang/<name>.js`       ES modules the app imports on first use of a code language
 *   vue      `vue.js`               ES module for Vue/Nuxt apps; their bundler provides the dependencies
 *   loader   `volcano-chat.js`      IIFE for the script tag: defines `<volcano-chat>`, draws the launcher
 * Each `.js` also gets `.gz` and `.br` beside it, which the Chat Service sends as they are (see below).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { defineConfig, type PluginOption, type UserConfig } from 'vite'
import vuePlugin from '@vitejs/plugin-vue'
import { LANGUAGES } from './src/render/languages'
import { APP_FILE, APP_GLOBAL } from './src/loader/protocol'

// @vitejs/plugin-vue is typed against the workspace root's vite 8 (vitest's); this build runs vite 7.
const vue = () => vuePlugin() as unknown as PluginOption
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

/**
 * Compressed once here rather than on the service's first request: brotli 11 of the app file takes a
 * second or more of CPU, which the first visitor to open the chat after a deploy would wait for.
 * packages/server/src/widget/routes.ts uses these when they are not older than the file.
 */
const precompress = (): PluginOption => ({
  name: 'volcano-chat:precompress',
  apply: 'build',
  writeBundle(out, bundle) {
    for (const name of Object.keys(bundle).filter((n) => n.endsWith('.js'))) {
      const file = join(out.dir!, name)
      const raw = readFileSync(file)
      writeFileSync(`${file}.gz`, gzipSync(raw, { level: 9 }))
      writeFileSync(
        `${file}.br`,
        brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
      )
    }
  },
})

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'lang') {
    return {
      plugins: [precompress()],
      build: {
        emptyOutDir: false,
        minify: true,
        lib: {
          entry: Object.fromEntries(
            LANGUAGES.map((l) => [l, fileURLToPath(import.meta.resolve(`highlight.js/lib/languages/${l}`))]),
          ),
          formats: ['es'],
          fileName: (_format, name) => `lang/${name}.js`,
        },
      },
    }
  }
  if (mode === 'loader') {
    // No Vue here: src/loader/ imports only plain modules (settings.ts), so it stays a few kB.
    return {
      plugins: [precompress()],
      build: {
        target: 'es2020',
        emptyOutDir: false,
        lib: {
          entry: here('src/loader/loader.ts'),
          formats: ['iife'],
          name: 'VolcanoChatLoader',
          fileName: () => 'volcano-chat.js',
        },
      },
    }
  }
  if (mode === 'vue') {
    return {
      plugins: [vue(), precompress()],
      build: {
        emptyOutDir: false,
        lib: { entry: here('src/vue.ts'), formats: ['es'], fileName: () => 'vue.js' },
        rollupOptions: { external: ['vue', 'markdown-it', 'dompurify', /^highlight\.js(\/|$)/] },
      },
    }
  }
  return {
    plugins: [vue(), precompress()],
    define: {
      // Library mode leaves these to the consumer; the IIFE is the final artefact, so settle them here.
      'process.env.NODE_ENV': JSON.stringify('production'),
      __VUE_OPTIONS_API__: 'false',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    resolve: { alias: { entities: here('src/render/entities.ts') } },
    build: {
      target: 'es2020',
      emptyOutDir: true,
      lib: {
        entry: here('src/embed.ts'),
        formats: ['iife'],
        name: APP_GLOBAL,
        fileName: () => APP_FILE,
      },
    },
  }
})
