/**
 * The deployment kit's checks that run tools (child processes): promtool on the alert rules and their
 * unit tests, and the Dockerfile's build through deploy/docker-build-check.sh (which builds the bundle).
 * The offline checks of the manifests, rules and dashboard are in deploy.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const here = (p: string) => join(root, 'deploy', p)

describe('deploy/prometheus', () => {
  const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p))
  it.skipIf(!promtool && !process.env.CI)('should pass promtool check rules and the rule unit tests', () => {
    expect(promtool, 'CI installs Debian prometheus for promtool (.ci/run)').toBeDefined()
    execFileSync(promtool!, ['check', 'rules', 'alerts.yml'], { cwd: here('prometheus'), stdio: 'pipe' })
    execFileSync(promtool!, ['test', 'rules', 'alerts.test.yml'], { cwd: here('prometheus'), stdio: 'pipe' })
  })
})

describe('deploy/Dockerfile', () => {
  it('should build as deploy/docker-build-check.sh runs it: the files the runtime copies and its CMD exist', () => {
    const out = execFileSync('bash', [here('docker-build-check.sh')], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    })
    expect(out).toContain('CMD runs packages/server/dist/main.js')
    expect(out).toMatch(/docker-build-check: ok\s*$/)
    const dockerfile = readFileSync(here('Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^FROM node:20|^ARG NODE_IMAGE=node:20-bookworm-slim/m)
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m)
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
  }, 120_000)
})
