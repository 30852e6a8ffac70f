import { defineConfig } from 'vite'

// No Vue plugin: the app uses render functions, and the widget ships compiled.
export default defineConfig({ build: { outDir: 'dist', emptyOutDir: true }, logLevel: 'warn' })
