# The npm package pvm-node-<version>.tgz (sourced by scripts/package.sh): the binding's
# JavaScript and types plus the prebuilt addon pvm.node, packed with `npm pack` from a
# staged copy whose package.json drops the development fields and records the addon's
# platform (`pvm.platforms`, `os`, `cpu`; lib/native.js refuses other platforms by name).
# No install scripts and no dependencies, so it installs offline.

# package_node STAGE WORK VERSION
package_node() {
  local stage="$1" work="$2" version="$3"
  echo "== npm package (napi build --release, npm pack)"
  (cd bindings/node && "$napi" build --release --dts native.d.ts >/dev/null)
  local platform
  platform="$(node -p 'const h = process.report.getReport().header;
    `${process.platform}-${process.arch}` + (process.platform === "linux" ? (h.glibcVersionRuntime ? "-gnu" : "-musl") : "")')"
  local dir="$work/pvm-node"
  mkdir -p "$dir"
  cp -R bindings/node/index.js bindings/node/index.d.ts bindings/node/lib \
    bindings/node/pvm.node bindings/node/README.md "$dir/"
  copy_licenses "$dir"
  PLATFORM="$platform" node - bindings/node/package.json "$dir/package.json" <<'JS'
const fs = require('node:fs');
const [source, target] = process.argv.slice(2);
const manifest = JSON.parse(fs.readFileSync(source, 'utf8'));
for (const field of ['private', 'devDependencies', 'scripts', 'overrides']) delete manifest[field];
const [os, cpu] = process.env.PLATFORM.split('-');
Object.assign(manifest, {
  files: ['index.js', 'index.d.ts', 'lib/', 'pvm.node', 'LICENSE-MIT', 'LICENSE-APACHE'],
  os: [os],
  cpu: [cpu],
  pvm: { platforms: [process.env.PLATFORM] },
});
fs.writeFileSync(target, JSON.stringify(manifest, null, 2) + '\n');
JS
  (cd "$dir" && npm pack --silent --pack-destination "$stage" >/dev/null)
  [ -f "$stage/pvm-node-$version.tgz" ] || fail "npm pack made no pvm-node-$version.tgz"
}
