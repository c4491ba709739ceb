#!/usr/bin/env bash
# Runs a command under another Node major (README: "Node 20.19 or newer"), taken
# from the npm registry's node-<platform>-<arch> package and kept under
# node_modules/.cache, so that CI's Node 20 machine tests the later LTS lines too.
set -euo pipefail
cd "$(dirname "$0")/.."

major="$1"
shift
target="node_modules/.cache/node-$major"
if [ ! -x "$target/bin/node" ]; then
  package="node-$(node -p 'process.platform + "-" + process.arch')@$major"
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  tarball="$(cd "$scratch" && npm pack --silent "$package")"
  tar xzf "$scratch/$tarball" -C "$scratch"
  rm -rf "$target"
  mkdir -p "$(dirname "$target")"
  mv "$scratch/package" "$target"
fi
PATH="$PWD/$target/bin:$PATH"
node -e "const m = process.versions.node.split('.')[0]; if (m !== '$major') throw new Error('expected Node $major, got ' + process.version); console.log('Node', process.version)"
"$@"
