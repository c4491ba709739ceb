#!/usr/bin/env bash
# Runs a command with the @nestjs packages swapped to Nest 11, then restores
# the locked Nest 12 install, whether the command passed or not.
set -euo pipefail
cd "$(dirname "$0")/.."

restore() { npm ci --no-audit --no-fund >/dev/null; }
trap restore EXIT

npm install --no-save --no-audit --no-fund \
  @nestjs/common@^11 @nestjs/core@^11 @nestjs/platform-express@^11 \
  @nestjs/platform-fastify@^11 @nestjs/testing@^11 >/dev/null
node -e "const v=require('@nestjs/core/package.json').version; if(!v.startsWith('11.')) throw new Error('expected Nest 11, got '+v); console.log('Nest', v)"
"$@"
