// The dashboard without Temporal or a cloud: its pages over a fake data source. Escaping (service
// names and audit details are user-written), the security headers and the CSP's script/style hashes,
// the sign-in flow (401 without a token, 403 outside the group, the session cookie), and the config.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/types';
import { LOCAL_ISSUER, openLocalIssuer, type LocalIssuer } from '../../src/auth/local-issuer';
import { lineChart, stackedBars } from '../../src/dashboard/charts';
import { dashboardConfigFromEnv } from '../../src/dashboard/config';
import { escapeHtml, html, safeHref } from '../../src/dashboard/html';
import type { DashboardData, LiveView } from '../../src/dashboard/model';
import { startDashboardServer } from '../../src/dashboard/server';

const XSS = `<img src=x onerror="alert(1)">'"&`;
const GROUP = 'fleet-viewers';

const trail: AuditRecord[] = [
  {
    id: '1',
    idempotencyKey: 'k1',
    occurredAt: new Date('2026-01-01T00:00:00Z'),
    recordedAt: new Date('2026-01-01T00:00:00Z'),
    workflowId: 'svc:dom:db1',
    runId: 'run-1',
    operation: 'buildService',
    identityDomain: 'dom',
    serviceName: 'db1',
    event: 'requested',
    requestedBy: `</td><script>alert(2)</script>`,
    ticket: XSS,
    details: { note: XSS },
  },
];

const live: LiveView = {
  at: '2026-01-01T00:00:00.000Z',
  operations: [{ workflowId: `svc:dom:${XSS}`, runId: 'r1', operation: 'scaleService', service: 'db1', startedAt: '2026-01-01T00:00:00.000Z', state: 'running', step: XSS }],
  rollouts: [{ workflowId: 'patch:dom:p1', runId: 'r2', patchId: 'p1', state: 'awaiting_approval', batch: 1, batches: 2, counts: { pending: 3 }, services: { [XSS]: { state: 'pending' } } }],
  warnings: [XSS],
};

const fake: DashboardData = {
  namespace: 'default',
  domains: async () => ['dom'],
  services: async () => [{ name: XSS, status: 'Running', shape: 'oc3', version: '12.2.0.1', patchLevel: XSS, lastOperation: { workflowId: 'svc:dom:db1', runId: 'run-1', operation: 'buildService', status: 'COMPLETED', startedAt: '2026-01-01T00:00:00.000Z' } }],
  live: async () => live,
  service: async () => ({ service: { name: 'db1', status: 'Running', shape: 'oc3' }, runs: [{ workflowId: 'svc:dom:db1', runId: 'run-1', operation: 'buildService', status: 'COMPLETED', startedAt: '2026-01-01T00:00:00.000Z' }], trail }),
  report: async () => ({ unavailable: XSS }),
  close: async () => undefined,
};

describe('escaping', () => {
  it('escapes text and attribute values, keeps Html as it is', () => {
    expect(escapeHtml(XSS)).toBe('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&quot;&amp;');
    expect(html`<a title="${XSS}">${XSS}</a>`.value).not.toContain('<img');
    expect(html`<p>${html`<b>${'<i>'}</b>`}</p>`.value).toBe('<p><b>&lt;i&gt;</b></p>');
    expect(html`${[1, '<', undefined, null, false]}`.value).toBe('1&lt;');
  });

  it('lets only http(s) URLs and own paths into links', () => {
    expect(safeHref('javascript:alert(1)')).toBe('#');
    expect(safeHref('//evil.example/x')).toBe('#');
    expect(safeHref('/domains/a')).toBe('/domains/a');
    expect(safeHref('http://127.0.0.1:8233/namespaces/default')).toBe('http://127.0.0.1:8233/namespaces/default');
  });

  it('draws charts with escaped labels', () => {
    const line = lineChart('storage', [{ label: XSS, value: 1 }, { label: 'b', value: 3 }], 'GB').value;
    expect(line).toMatch(/^<svg/);
    expect(line).toContain('<path d="M');
    expect(line).not.toContain('<img');
    const bars = stackedBars('ops', [{ label: XSS, parts: [{ name: 'succeeded', value: 2 }, { name: 'failed', value: 1 }] }]).value;
    expect(bars.match(/<rect /g)?.length).toBe(4); // 2 legend squares + 2 bar parts
    expect(bars).not.toContain('<img');
  });
});

describe('the server', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbaas-dash-unit-'));
  let issuer: LocalIssuer;
  let server: { url: string; close: () => Promise<void> };
  let viewer: string;
  let outsider: string;

  beforeAll(async () => {
    issuer = await openLocalIssuer(tmp);
    [viewer, outsider] = await Promise.all([issuer.issue({ subject: 'vera@example.com', groups: [GROUP] }), issuer.issue({ subject: 'otto@example.com', groups: ['others'] })]);
    server = await startDashboardServer({
      data: fake,
      auth: { mode: 'jwt', jwksFile: issuer.jwksFile, issuer: LOCAL_ISSUER, audience: 'dbaas', requiredGroup: GROUP },
      temporalUiUrl: 'http://127.0.0.1:8233',
      pollMs: 1000,
      secureCookie: false,
      port: 0,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${server.url}${p}`, { headers, redirect: 'manual' });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  it('escapes every user-written value on the domain page, and the CSP allows only its own script and style', async () => {
    const res = await get('/domains/dom', bearer(viewer));
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain('<img');
    expect(body).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // The one inline script and style are exactly what the hashes allow.
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    const script = /<script>([\s\S]*?)<\/script>/.exec(body)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(body)![1]!;
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(body.match(/<script>/g)).toHaveLength(1);
    // Links into the Temporal UI: the workflow id is one encoded path segment.
    expect(body).toContain('href="http://127.0.0.1:8233/namespaces/default/workflows/svc%3Adom%3Adb1/run-1/history"');
  });

  it('escapes the audit trail (requester, ticket, details)', async () => {
    const body = await (await get('/domains/dom/services/db1', bearer(viewer))).text();
    expect(body).not.toContain('<script>alert');
    expect(body).not.toContain('<img');
    expect(body).toContain('&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('answers the live poll with JSON cells (text, never markup) and the same headers', async () => {
    const res = await get('/api/domains/dom/live', bearer(viewer));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const json = (await res.json()) as { rows: { rollouts: { text: string }[][]; operations: { text: string; href?: string }[][] } };
    expect(json.rows.rollouts[0]!.map((c) => c.text)).toEqual(['patch:dom:p1', 'p1', 'awaiting_approval', '1/2', 'pending 3', `${XSS} pending`, '–']);
    expect(json.rows.operations[0]![0]!.href).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`svc:dom:${XSS}`)}/r1/history`);
  });

  it('refuses a load without a token (401), with a bad one (401) and outside the group (403)', async () => {
    const none = await get('/domains/dom');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="dbaas-dashboard"');
    expect(none.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await none.text()).toContain('href="/login"');
    expect((await get('/api/domains/dom/live', bearer('a.b.c'))).status).toBe(401);
    const out = await get('/api/domains/dom/live', bearer(outsider));
    expect(out.status).toBe(403);
    expect(await out.json()).toEqual({ message: `the token's subject is not in the group "${GROUP}"` });
    expect((await get('/domains/dom', bearer(outsider))).status).toBe(403);
  });

  it('signs in with a form into an HttpOnly SameSite=Strict cookie, refuses other origins and outsiders', async () => {
    const post = (token: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token }).toString() });
    const ok = await post(viewer);
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^dbaas_dashboard_token=[\w.-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const page = await get('/domains/dom', { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('vera@example.com');
    expect((await post(outsider)).status).toBe(403);
    expect((await post(viewer, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(viewer, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await fetch(`${server.url}/domains/dom`, { method: 'POST', headers: bearer(viewer) })).status).toBe(405);
  });

  it('validates what the path names', async () => {
    expect((await get('/domains/bad%20domain', bearer(viewer))).status).toBe(400);
    expect((await get('/domains/dom/services/%3Cx%3E', bearer(viewer))).status).toBe(400);
    expect((await get('/domains/dom/report?since=yesterday', bearer(viewer))).status).toBe(400);
    expect((await get('/nope', bearer(viewer))).status).toBe(404);
    const redirect = await get('/domains?name=dom', bearer(viewer));
    expect([redirect.status, redirect.headers.get('location')]).toEqual([303, '/domains/dom']);
  });
});

describe('configuration', () => {
  it('defaults to port 8090 on loopback, bearer tokens, links to the local UI', () => {
    const c = dashboardConfigFromEnv({ DASHBOARD_AUTH_JWKS_URL: 'https://idp.example.com/jwks.json' });
    expect(c).toMatchObject({ port: 8090, host: '127.0.0.1', temporalUiUrl: 'http://127.0.0.1:8233', secureCookie: false, auth: { mode: 'jwt', audience: 'dbaas' } });
  });

  it('refuses to start without a JWKS, and without auth anywhere but loopback', () => {
    expect(() => dashboardConfigFromEnv({})).toThrow(/DASHBOARD_AUTH_JWKS_URL/);
    expect(() => dashboardConfigFromEnv({ DASHBOARD_AUTH: 'none', DASHBOARD_HOST: '0.0.0.0' })).toThrow(/only on loopback/);
    expect(dashboardConfigFromEnv({ DASHBOARD_AUTH: 'none' }).auth).toEqual({ mode: 'none' });
    expect(() => dashboardConfigFromEnv({ DASHBOARD_AUTH: 'none', DASHBOARD_TEMPORAL_UI_URL: 'javascript:alert(1)' })).toThrow(/DASHBOARD_TEMPORAL_UI_URL/);
  });
});
