// The demo page: one row per scenario of the sample API. Each button makes the
// request a front end would make from this page's origin and shows what the
// browser decided. No build step: plain JavaScript, served by sample/demo-server.ts.
'use strict';

/** The API the page calls: http://localhost:3000 unless `?api=` says otherwise. */
const API = (new URLSearchParams(location.search).get('api') || 'http://localhost:3000').replace(
  /\/+$/,
  '',
);

/**
 * The scenarios, in the order "Run all" runs them. `hint` is what most likely
 * blocked the request: the page cannot know it (every CORS failure is the same
 * `TypeError: Failed to fetch`), the browser's console can.
 */
const SCENARIOS = [
  {
    id: 'global',
    title: 'Global policy',
    explain: 'CatalogController has no @Cors(): CorsModule.forRoot() lists this origin.',
    method: 'GET',
    path: '/catalog',
    expect: 'allowed',
  },
  {
    id: 'controller',
    title: 'Controller override',
    explain: '@Cors({ origin: [DEMO_ORIGIN], credentials: true }) on OrdersController.',
    method: 'GET',
    path: '/orders',
    expect: 'allowed',
  },
  {
    id: 'route',
    title: 'Per-route override',
    explain:
      'POST /orders adds @Cors({ exposedHeaders: ["X-Order-Id"], maxAge: 60 }); a JSON body ' +
      'needs a preflight.',
    method: 'POST',
    path: '/orders',
    headers: { 'Content-Type': 'application/json' },
    body: '{"item":"teapot"}',
    read: ['X-Order-Id'],
    expect: 'allowed',
  },
  {
    id: 'named',
    title: 'Named policy',
    explain: "@Cors('partners'): origins from forRoot({ policies: { partners } }).",
    method: 'GET',
    path: '/partners/feed',
    expect: 'allowed',
  },
  {
    id: 'disabled',
    title: 'Disabled route',
    explain: 'DELETE /orders/:id has @Cors(false): no CORS at all.',
    method: 'DELETE',
    path: '/orders/7',
    expect: 'blocked',
    hint: 'the preflight was refused (403, no Access-Control-Allow-Origin): CORS is off on this route',
  },
  {
    id: 'credentials',
    title: 'Credentials',
    explain: "credentials: 'include' on OrdersController, whose policy allows credentials.",
    method: 'GET',
    path: '/orders',
    credentials: 'include',
    expect: 'allowed',
  },
  {
    id: 'no-credentials',
    title: 'Credentials the policy does not allow',
    explain: "credentials: 'include' on /catalog: the global policy has no credentials.",
    method: 'GET',
    path: '/catalog',
    credentials: 'include',
    expect: 'blocked',
    hint: 'the response has no Access-Control-Allow-Credentials: true',
  },
  {
    id: 'exposed',
    title: 'Exposed header',
    explain: 'The partners policy exposes X-Rate-Limit; X-Served-By is not exposed.',
    method: 'GET',
    path: '/partners/feed',
    read: ['X-Rate-Limit', 'X-Served-By'],
    expect: 'allowed',
  },
  {
    id: 'guard',
    title: 'Guard-protected route, no token',
    explain: "@UseGuards(TokenGuard): the page reads the guard's 401, not a CORS error.",
    method: 'GET',
    path: '/account',
    expect: 'allowed',
  },
  {
    id: 'guard-token',
    title: 'Guard-protected route, with token',
    explain: 'Authorization needs a preflight, answered before the guard runs.',
    method: 'GET',
    path: '/account',
    headers: { Authorization: 'Bearer demo-token' },
    expect: 'allowed',
  },
  {
    id: 'dynamic',
    title: 'Dynamic origin',
    explain: 'origin: async (origin) => lookup(origin) on TenantsController.',
    method: 'GET',
    path: '/tenants/me',
    expect: 'allowed',
  },
];

/** Makes the scenario's request and describes what the browser decided. */
async function call(scenario) {
  try {
    const response = await fetch(API + scenario.path, {
      method: scenario.method,
      headers: scenario.headers,
      body: scenario.body,
      credentials: scenario.credentials,
    });
    const body = await response.text();
    const headers = (scenario.read || []).map((name) => {
      const value = response.headers.get(name);
      return value === null ? `${name}: null (not exposed)` : `${name}: ${value}`;
    });
    return { outcome: 'allowed', status: response.status, body, headers };
  } catch (error) {
    return { outcome: 'blocked', error: String(error) };
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function requestLine(scenario) {
  const extras = [];
  for (const [name, value] of Object.entries(scenario.headers || {}))
    extras.push(`${name}: ${value}`);
  if (scenario.credentials) extras.push(`credentials: '${scenario.credentials}'`);
  return { line: `${scenario.method} ${scenario.path}`, extras };
}

function render() {
  document.getElementById('page-origin').textContent = location.origin;
  document.getElementById('api-origin').textContent = API;
  const body = document.getElementById('scenarios');
  for (const scenario of SCENARIOS) {
    const row = element('tr');
    row.dataset.scenario = scenario.id;
    row.dataset.expected = scenario.expect;
    row.dataset.state = 'idle';

    const what = element('td', 'scenario');
    what.append(element('strong', '', scenario.title), element('div', 'explain', scenario.explain));
    const request = element('td', 'request');
    const { line, extras } = requestLine(scenario);
    request.append(element('code', '', line));
    for (const extra of extras) request.append(element('div', 'extra', extra));
    const result = element('td', 'result', 'not run yet');
    const run = element('button', '', 'Run');
    run.type = 'button';
    run.addEventListener('click', () => runOne(scenario, row));
    const action = element('td');
    action.append(run);

    row.append(what, request, element('td', 'expected', scenario.expect), result, action);
    body.append(row);
  }
}

/** Runs one scenario and shows the browser's decision in its row. */
async function runOne(scenario, row) {
  row.dataset.state = 'running';
  const result = row.querySelector('.result');
  result.textContent = 'running…';
  const verdict = await call(scenario);
  result.textContent = '';
  row.dataset.outcome = verdict.outcome;
  row.dataset.matches = verdict.outcome === scenario.expect ? 'yes' : 'no';
  const check = row.dataset.matches === 'yes' ? '✓ as expected' : `✗ expected ${scenario.expect}`;
  if (verdict.outcome === 'allowed') {
    row.dataset.status = String(verdict.status);
    result.append(element('span', 'badge', `ALLOWED · ${verdict.status}`), ' ');
    result.append(element('span', 'check', check));
    const shown = verdict.body.length > 120 ? `${verdict.body.slice(0, 120)}…` : verdict.body;
    result.append(element('div', 'detail', shown || '(empty body)'));
    for (const header of verdict.headers) result.append(element('div', 'detail', header));
  } else {
    delete row.dataset.status;
    result.append(element('span', 'badge', 'BLOCKED'), ' ', element('span', 'check', check));
    result.append(element('div', 'detail', verdict.error));
    const hint = scenario.hint || 'the console (DevTools) names the reason';
    result.append(element('div', 'hint', `blocked: ${hint}`));
  }
  row.dataset.state = 'done';
  return row.dataset.matches === 'yes';
}

/** Runs every scenario in order, one at a time. */
async function runAll() {
  const summary = document.getElementById('summary');
  document.body.dataset.state = 'running';
  summary.textContent = 'running…';
  let matching = 0;
  for (const scenario of SCENARIOS) {
    const row = document.querySelector(`tr[data-scenario="${scenario.id}"]`);
    if (await runOne(scenario, row)) matching++;
  }
  summary.textContent = `${SCENARIOS.length} scenarios run, ${matching} as expected.`;
  document.body.dataset.state = 'done';
}

render();
document.getElementById('run-all').addEventListener('click', runAll);
