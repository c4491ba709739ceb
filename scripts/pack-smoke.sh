#!/usr/bin/env bash
# Packs the library and uses it from two consumers outside the repository, as
# users install it: a CommonJS Nest 11 app (run by node, and by jest in its
# default CommonJS mode) and an ESM Nest 12 app. Each boots Nest on express and
# checks a preflight answered by @Cors().
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"

consumer() { # name type nest-major extra-packages...
  local dir="$work/$1"
  mkdir -p "$dir"
  printf '{ "name": "smoke-%s", "private": true, "type": "%s" }\n' "$1" "$2" > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --silent "$tarball" \
    "@nestjs/common@^$3" "@nestjs/core@^$3" "@nestjs/platform-express@^$3" reflect-metadata rxjs "${@:4}")
}
consumer cjs commonjs 11 jest@30
consumer esm module 12

# The peer ranges keep the library out of an app on a Nest major it was not built for.
mkdir "$work/nest10"
echo '{ "name": "smoke-nest10", "private": true }' > "$work/nest10/package.json"
if (cd "$work/nest10" && npm install --dry-run --no-audit --no-fund "$tarball" \
  @nestjs/common@^10 @nestjs/core@^10 >/dev/null 2>&1); then
  echo "nestjs-cors installed beside Nest 10: its peerDependencies do not name the Nest majors" >&2
  exit 1
fi

# The same app for both: decorators applied by hand, since no compiler runs here.
app_body='
class ItemsController { update() { return "ok"; } }
Controller("items")(ItemsController);
const update = Object.getOwnPropertyDescriptor(ItemsController.prototype, "update");
Put(":id")(ItemsController.prototype, "update", update);
Cors({ origin: ["https://admin.example.com"] })(ItemsController.prototype, "update", update);
class AppModule {}
Module({ imports: [CorsModule.forRoot({ origin: false })], controllers: [ItemsController] })(AppModule);

async function preflight() {
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, "127.0.0.1");
  try {
    const res = await fetch(`${await app.getUrl()}/items/1`, {
      method: "OPTIONS",
      headers: { Origin: "https://admin.example.com", "Access-Control-Request-Method": "PUT" },
    });
    return [res.status, res.headers.get("access-control-allow-origin")].join(" ");
  } finally {
    await app.close();
  }
}
'

cat > "$work/cjs/app.js" <<JS
require("reflect-metadata");
const { Controller, Module, Put } = require("@nestjs/common");
const { NestFactory } = require("@nestjs/core");
const { Cors, CorsConfigurationError, CorsModule } = require("nestjs-cors");
if (typeof CorsConfigurationError !== "function") throw new Error("CorsConfigurationError missing");
$app_body
module.exports = { preflight };
if (require.main === module) preflight().then((r) => { console.log("CommonJS, Nest 11:", r); if (r !== "204 https://admin.example.com") process.exit(1); });
JS
cat > "$work/cjs/app.test.js" <<'JS'
const { preflight } = require('./app.js');
test('nestjs-cors loads under jest in CommonJS mode and answers a preflight', async () => {
  expect(await preflight()).toBe('204 https://admin.example.com');
});
JS
cat > "$work/esm/app.js" <<JS
import "reflect-metadata";
import { Controller, Module, Put } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import * as library from "nestjs-cors";
import { Cors, CorsModule } from "nestjs-cors";
const exported = Object.keys(library).sort().join(", ");
if (exported !== "Cors, CorsConfigurationError, CorsInspector, CorsModule")
  throw new Error(\`nestjs-cors exports \${exported}\`);
$app_body
const result = await preflight();
console.log("ESM, Nest 12:", result);
if (result !== "204 https://admin.example.com") process.exit(1);
JS

(cd "$work/cjs" && node app.js && npx jest --ci app.test.js)
(cd "$work/esm" && node app.js)
