/**
 * Three library builds into one `dist/` (`npm run build` runs them in order):
 *   default  `volcano-chat.js`  IIFE for the script tag: Vue, markdown-it, DOMPurify, hljs core inside
 *   lang     `lang/<name>.js`   ES modules the IIFE imports on first use of a code language
 *   vue      `vue.js`           ES module for Vue/Nuxt apps; their bundler provides the dependencies
 */
import { fileURLToPath } from 'node:url'
import { defineConfig, type PluginOption, type UserConfig } from 'vite'
import vuePlugin from '@vitejs/plugin-vue'
import { LANGUAGES } from './src/render/languages'

// @vitejs/plugin-vue is typed against the workspace root's vite 8 (vitest's); this build runs vite 7.
const vue = () => vuePlugin() as unknown as PluginOption
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'lang') {
    return {
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
  if (mode === 'vue') {
    return {
      plugins: [vue()],
      build: {
        emptyOutDir: false,
        lib: { entry: here('src/vue.ts'), formats: ['es'], fileName: () => 'vue.js' },
        rollupOptions: { external: ['vue', 'markdown-it', 'dompurify', /^highlight\.js(\/|$)/] },
      },
    }
  }
  return {
    plugins: [vue()],
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
        name: 'VolcanoChat',
        fileName: () => 'volcano-chat.js',
      },
    },
  }
})
