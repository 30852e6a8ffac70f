/**
 * The deployment kit (issue 19) checked in CI without a cluster or a Docker engine: manifests against
 * the Kubernetes schemas (kubernetes-models' compiled validators, offline) plus the fields that matter
 * to this service; alert rules and the dashboard's expressions against the metrics the service really
 * exports. What runs tools (promtool, the Dockerfile's build) is in tools.int.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { parse, parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../packages/server/src/core/config'
import { createMetrics } from '../packages/server/src/metrics/metrics'

const root = fileURLToPath(new URL('..', import.meta.url))
const here = (p: string) => join(root, 'deploy', p)

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown }
const MODELS: Record<string, new (d: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
}

const manifestFiles = readdirSync(here('k8s')).filter(
  (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
)
const docs: { file: string; doc: Doc }[] = manifestFiles.flatMap((file) =>
  parseAllDocuments(readFileSync(here(`k8s/${file}`), 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`)
    return { file, doc: d.toJSON() as Doc }
  }),
)
const one = (kind: string, name = 'volcano-chat') => {
  const found = docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name)
  if (!found) throw new Error(`no ${kind} ${name}`)
  return found.doc as any // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Every metric the service exports: its own and the default Node ones, histogram series included. */
const exported = new Set(
  (await createMetrics().registry.getMetricsAsJSON()).flatMap((m) =>
    String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
  ),
)
/** Series from elsewhere that the rules may use: Prometheus' own and kube-state-metrics'. */
const EXTERNAL = new Set(['up', 'kube_deployment_status_replicas_available', 'kube_deployment_spec_replicas'])
const PROMQL_WORDS = new Set(
  'sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left group_right bool and or unless offset rate irate increase delta idelta deriv histogram_quantile clamp_min clamp_max abs absent ceil floor round label_replace label_join vector scalar time sort sort_desc'.split(
    ' ',
  ),
)

/** Metric names in a PromQL expression: identifiers outside `{…}`, `[…]`, strings and `by (…)` lists that are not functions. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/(?<![A-Za-z0-9_:])\d+(\.\d+)?(e[+-]?\d+)?/gi, '')
  return [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\(?))/g)]
    .filter((m) => m[1] !== '(' && !PROMQL_WORDS.has(m[0]))
    .map((m) => m[0])
}

describe('deploy/k8s', () => {
  it('should parse, name a known kind, and validate against the Kubernetes schema', () => {
    expect(docs.length).toBeGreaterThanOrEqual(8)
    for (const { file, doc } of docs) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`]
      expect(Model, `${file}: ${doc.apiVersion} ${doc.kind}`).toBeDefined()
      expect(() => new Model!(doc as never).validate(), `${file} ${doc.kind}`).not.toThrow()
    }
    const kustomization = parse(readFileSync(here('k8s/kustomization.yaml'), 'utf8')) as {
      resources: string[]
    }
    expect(kustomization.resources.sort()).toEqual(manifestFiles.filter((f) => !f.includes('example')).sort())
  })

  it('should probe /readyz and /healthz on the port the service listens on, and drain within the grace period', () => {
    const config = one('ConfigMap').data as Record<string, string>
    const deployment = one('Deployment')
    const pod = deployment.spec.template.spec
    const [container] = pod.containers
    const http = container.ports.find((p: { name: string }) => p.name === 'http')
    expect(http.containerPort).toBe(Number(config.PORT ?? 8081))
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' })
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' })
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' })
    const preStop = container.lifecycle.preStop.exec.command as string[]
    expect(preStop[0]).toBe('sleep')
    const drainS = Number(preStop[1]) + Number(config.SHUTDOWN_GRACE_MS ?? 20_000) / 1000
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drainS + 10)
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0)
    expect(container.resources.requests.cpu).toBeDefined()
    expect(container.resources.limits.memory).toBeDefined()
    // Non-root with a read-only root file system (the image's `node` user is uid 1000).
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 })
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    })
    // The Service and the PDB select the Deployment's pods; the HPA scales it on the streams metric.
    const labels = deployment.spec.template.metadata.labels
    for (const selector of [
      one('Service').spec.selector,
      one('PodDisruptionBudget').spec.selector.matchLabels,
    ])
      expect(labels).toMatchObject(selector)
    expect(one('Service').spec.ports[0].targetPort).toBe('http')
    const hpa = one('HorizontalPodAutoscaler')
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name })
    const podMetric = hpa.spec.metrics.find((m: { type: string }) => m.type === 'Pods')
    expect(exported.has(podMetric.pods.metric.name)).toBe(true)
    // Every volume the container mounts exists, every Secret it reads is in the example.
    const volumes = new Set(pod.volumes.map((v: { name: string }) => v.name))
    for (const m of container.volumeMounts) expect(volumes.has(m.name), m.name).toBe(true)
    for (const v of pod.volumes.filter((x: { secret?: unknown }) => x.secret))
      expect(() => one('Secret', v.secret.secretName)).not.toThrow()
  })

  it('should configure only variables the service knows, and the example should load as a valid configuration', () => {
    const known = new Set(
      [
        ...readFileSync(join(root, 'packages/server/src/core/config/index.ts'), 'utf8').matchAll(
          /^ {2}([A-Z][A-Z0-9_]+):/gm,
        ),
      ].map((m) => m[1]),
    )
    const env: Record<string, string> = { ...one('ConfigMap').data, ...one('Secret').stringData }
    for (const name of Object.keys(env))
      expect(known.has(name), `${name} is not a config variable`).toBe(true)
    for (const s of docs.filter((d) => d.doc.kind === 'Secret'))
      for (const [k, v] of Object.entries((s.doc.stringData ?? {}) as Record<string, string>))
        expect(v, `${s.doc.metadata.name}.${k} must be a placeholder`).toContain('REPLACE')
    // The mounted files, made here: a real key and a certificate-shaped CA.
    const dir = mkdtempSync(join(tmpdir(), 'vc-deploy-'))
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }))
      writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
      const config = loadConfig({
        ...env,
        COZE_OAUTH_PRIVATE_KEY_FILE: join(dir, 'key.pem'),
        MYSQL_SSL_CA: join(dir, 'ca.pem'),
      })
      expect(config.env).toBe('production')
      expect(config.mysql.ssl?.rejectUnauthorized).toBe(true)
      expect(config.coze.oauth).toBeDefined()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('deploy/prometheus', () => {
  const rules = parse(readFileSync(here('prometheus/alerts.yml'), 'utf8')) as {
    groups: { name: string; rules: { alert: string; expr: string; labels: { severity: string } }[] }[]
  }
  const all = rules.groups.flatMap((g) => g.rules)

  it('should name only metrics the service exports (or Prometheus/kube-state-metrics series)', () => {
    expect(all.length).toBeGreaterThanOrEqual(10)
    for (const r of all) {
      const names = metricNames(r.expr)
      expect(names.length, r.alert).toBeGreaterThan(0)
      for (const n of names) expect(exported.has(n) || EXTERNAL.has(n), `${r.alert}: ${n}`).toBe(true)
      expect(['page', 'ticket']).toContain(r.labels.severity)
    }
    for (const code of ['4011', '4027', '4028', '788788103', '4012', '4015'])
      expect(all.find((r) => r.alert === 'VolcanoChatCozeNeedsOperator')!.expr).toContain(code)
  })
})

describe('deploy/grafana', () => {
  it('should be a dashboard whose every panel queries metrics the service exports', () => {
    const dashboard = JSON.parse(readFileSync(here('grafana/volcano-chat.json'), 'utf8')) as {
      uid: string
      panels: { id: number; title: string; targets: { expr: string; refId: string }[] }[]
    }
    expect(dashboard.uid).toBe('volcano-chat')
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length)
    const used = new Set<string>()
    for (const p of dashboard.panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0)
      for (const t of p.targets)
        for (const n of metricNames(t.expr)) {
          expect(exported.has(n) || EXTERNAL.has(n), `${p.title}: ${n}`).toBe(true)
          used.add(n)
        }
    }
    for (const n of ['vc_chat_active_streams', 'vc_coze_errors_total', 'vc_audit_events_total'])
      expect(used.has(n), n).toBe(true)
  })
})

describe('metricNames', () => {
  it('should keep metricNames honest', () => {
    expect(
      metricNames(
        'sum by (code) (rate(vc_x_total{code=~"a|b"}[5m])) / clamp_min(sum(up{job="j"}), 1e-9) > 0.05',
      ),
    ).toEqual(['vc_x_total', 'up'])
  })
})
