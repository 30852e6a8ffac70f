#!/usr/bin/env bash
# Runs deploy/Dockerfile's build without Docker (CI has no engine), in a temporary copy of the build
# context (the repository less .dockerignore), and checks what the runtime stage takes from it:
#   1. the manifests stage COPYs exactly the workspaces' package.json files (npm ci needs each one);
#   2. the build stage's RUN steps run as written (`npm ci` is replaced by links to this checkout's
#      node_modules unless --npm-ci is given: a real install costs minutes);
#   3. every file the runtime stage COPYs --from=build exists afterwards, and so does the CMD's file;
#   4. the service bundle imports only Node built-ins and the server's production dependencies
#      (the runtime image has nothing else), each of them installed.
# Usage: deploy/docker-build-check.sh [--npm-ci] [--keep]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dockerfile="$root/deploy/Dockerfile"
npm_ci=0 keep=0
for arg in "$@"; do
  case "$arg" in
    --npm-ci) npm_ci=1 ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--npm-ci] [--keep]" >&2; exit 2 ;;
  esac
done
fail() { echo "docker-build-check: $*" >&2; exit 1; }
say() { echo "docker-build-check: $*"; }

# The Dockerfile's instructions as "STAGE<TAB>INSTRUCTION<TAB>ARGS", continuation lines joined.
instructions() {
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").replace(/\\\n/g, " ").split("\n")
    let stage = ""
    for (const raw of lines) {
      const line = raw.trim()
      if (!line || line.startsWith("#")) continue
      const [, op, rest] = /^(\S+)\s+(.*)$/.exec(line) ?? []
      if (!op) continue
      const m = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line)
      if (m) stage = m[1]
      console.log([stage, op.toUpperCase(), rest.replace(/\s+/g, " ")].join("\t"))
    }' "$dockerfile"
}

# 1. Workspace manifests.
want=$(cd "$root" && ls packages/*/package.json examples/*/package.json | sort)
have=$(instructions | awk -F'\t' '$1=="manifests" && $2=="COPY" {print $3}' | awk '{print $1}' | grep '/package.json$' | sort)
[ "$want" = "$have" ] || fail "the manifests stage must COPY each workspace's package.json:
  wanted: $(echo $want)
  copied: $(echo $have)"
say "manifests: $(echo "$want" | wc -l) workspace package.json files copied"

# 2. A temporary build context, then the build stage's RUN steps.
ctx=$(mktemp -d "${TMPDIR:-/tmp}/vc-docker-build.XXXXXX")
[ $keep -eq 1 ] || trap 'rm -rf "$ctx"' EXIT
excludes=()
while IFS= read -r pat; do
  pat="${pat%%#*}"; pat="${pat## }"; pat="${pat%% }"
  [ -n "$pat" ] || continue
  excludes+=("--exclude=${pat#\*\*/}")
done <"$root/.dockerignore"
tar -C "$root" "${excludes[@]}" -cf - . | tar -C "$ctx" -xf -
[ ! -e "$ctx/node_modules" ] && [ ! -e "$ctx/packages/server/dist" ] || fail ".dockerignore lets node_modules or dist into the context"
say "context: $(du -sh "$ctx" | cut -f1) in $ctx"

while IFS=$'\t' read -r stage op args; do
  [ "$stage" = "build" ] && [ "$op" = "RUN" ] || continue
  if [[ "$args" == "npm ci"* ]] && [ $npm_ci -eq 0 ]; then
    say "RUN $args  (linked to this checkout's node_modules instead)"
    for nm in "$root"/node_modules "$root"/packages/*/node_modules "$root"/examples/*/node_modules; do
      [ -d "$nm" ] && ln -s "$nm" "$ctx/${nm#"$root"/}"
    done
    continue
  fi
  say "RUN $args"
  (cd "$ctx" && bash -c "$args") || fail "RUN $args failed"
done < <(instructions)

# 3. What the runtime stage copies from the build stage, and the command it runs.
while read -r src _; do
  [ -e "$ctx/${src#/app/}" ] || fail "COPY --from=build $src: not built"
  say "built: ${src#/app/}"
done < <(instructions | awk -F'\t' '$1=="runtime" && $2=="COPY" && $3 ~ /^--from=build / {sub(/^--from=build /, "", $3); print $3}')
cmd_file=$(instructions | awk -F'\t' '$1=="runtime" && $2=="CMD" {print $3}' | node -e '
  const cmd = JSON.parse(require("fs").readFileSync(0, "utf8"))
  process.stdout.write(cmd.find((a, i) => i > 0 && !a.startsWith("-")) ?? "")')
[ -n "$cmd_file" ] && [ -f "$ctx/$cmd_file" ] || fail "CMD file $cmd_file does not exist after the build"
say "CMD runs $cmd_file"

# 4. The bundle's imports against the runtime's node_modules (the server's production dependencies).
node --input-type=module -e '
  import { readFileSync, existsSync } from "node:fs"
  import { builtinModules } from "node:module"
  const [bundle, serverPkg, nodeModules] = process.argv.slice(1)
  const deps = Object.keys(JSON.parse(readFileSync(serverPkg, "utf8")).dependencies ?? {})
  const src = readFileSync(bundle, "utf8")
  const found = src.matchAll(/(?:^|[;\s])(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"|(?:import|__require)\("([^"]+)"\)/gm)
  const specs = new Set([...found].map((m) => m[1] ?? m[2] ?? m[3]))
  const bad = []
  for (const s of specs) {
    if (s.startsWith("node:") || builtinModules.includes(s)) continue
    const name = s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]
    if (!deps.includes(name)) bad.push(`${s} (not a production dependency of @volcano-chat/server)`)
    else if (!existsSync(`${nodeModules}/${name}/package.json`)) bad.push(`${s} (not installed)`)
  }
  if (bad.length) { console.error("docker-build-check: the bundle imports " + bad.join(", ")); process.exit(1) }
  console.log(`docker-build-check: bundle imports ${specs.size} modules, all built-in or production dependencies`)
' "$ctx/$cmd_file" "$ctx/packages/server/package.json" "$ctx/node_modules"
say "ok"
