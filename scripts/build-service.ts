/**
 * `npm run build`: the Chat Service as one ES module, `packages/server/dist/main.js`, which
 * `npm run service` (production), the multi-instance tests and the bench run with plain `node`; and the
 * widget bundle the service serves at `/widget/` (`packages/widget/dist/`, its Vite build), rebuilt only
 * when a widget source is newer than it (the same check and lock the browser tests use).
 *
 * Why bundle rather than run the sources through tsx: tsx compiles with esbuild's `keepNames`, which
 * wraps every closure in `__name(fn, "…")`; each call defines a property on a fresh function and turns
 * its property store into a dictionary (≈ 256 B). The relay makes several closures per open answer:
 * 33.0 → 27.9 KB of JS heap per held stream (bench finding B11). Dependencies stay external.
 */
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { ensureBuild } from '../packages/widget/e2e/ensure-build'

const root = fileURLToPath(new URL('../', import.meta.url))

const SERVICE_BUNDLE = `${root}packages/server/dist/main.js`

/** Bundles the service's entry point to `outfile` (≈ 0.3 s) and returns it. */
export async function buildService(outfile = SERVICE_BUNDLE): Promise<string> {
  await build({
    entryPoints: [`${root}packages/server/src/app/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  })
  return outfile
}

/** Builds the widget (`npm run build -w @volcano-chat/widget`) unless `dist/` is up to date; returns `dist/`. */
export function buildWidget(): string {
  return ensureBuild(`${root}packages/widget`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${await buildService()}`)
  console.log(`built ${buildWidget()}`)
}
