// The fleet dashboard (`npm run dashboard`, a real process) in headless Chromium, against a simulator
// and a worker on the shared dev server, with auth on: tokens of the local development issuer, a
// required group, the sign-in form that puts the token into the session cookie.
//
// What this proves: a load without a token is refused (401) and a signed-in user outside the group
// too (403); a signed-in viewer sees the service built here with its status, shape and version and a
// link to its build in the Temporal UI; its audit trail (requested → succeeded), with an XSS attempt
// in an audit event shown as text and never run; a rollout waiting for approval with its batch and
// counts, updated by the page's own poll (no reload) when the test approves the batch; the report as
// tables and SVG charts; and no CSP violation in the browser's console (the inline script and style
// run under the hash-only policy).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTs, type ManagedProcess } from '../../scripts/lib/process';
import { LOCAL_ISSUER, openLocalIssuer } from '../../src/auth/local-issuer';
import { serviceWorkflowId } from '../../src/shared/contract';
import { approveUpdate, rolloutProgressQuery } from '../../src/shared/patching';
import { chromiumMissing, findChromium, launchChromium } from '../helpers/browser';
import { auditReader, cliEnvFor, sampleInput, startFileStack, uniqueName, waitUntil, type FileStack } from '../helpers/harness';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn(`test/browser/dashboard.test.ts: skipped: ${chromiumMissing()}`);

const GROUP = 'fleet-viewers';
const UI = 'http://127.0.0.1:8233';
const DOMAIN = uniqueName('dashdom');
const BUILT = uniqueName('dashdb').slice(0, 14);
const FLEET = ['dp-01', 'dp-02', 'dp-03'];
const PATCH = '12201-190416';
const XSS_TICKET = '<img src=x onerror="window.__xss=1">';
const XSS_DETAIL = '</td><script>window.__xss=2</script>';

describe.skipIf(!chromiumPath)('the fleet dashboard in headless Chromium', () => {
  let s: FileStack;
  let dashboard: ManagedProcess;
  let url: string;
  let browser: Browser;
  let viewerToken: string;
  let outsiderToken: string;
  let buildRunId: string;
  let rolloutId: string;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbaas-dash-'));

  beforeAll(async () => {
    const issuer = await openLocalIssuer(tmp);
    [s, browser, viewerToken, outsiderToken] = await Promise.all([
      startFileStack('dash', { jobDurationMs: { create: 500, precheck: 200, patch: 300 } }),
      launchChromium(chromiumPath!),
      issuer.issue({ subject: 'vera@example.com', groups: [GROUP] }),
      issuer.issue({ subject: 'otto@example.com', groups: ['others'] }),
    ]);

    // The service under test, and an audit event of it with markup in user-written fields.
    const build = await s.t.client.workflow.start('buildService', { taskQueue: s.taskQueue, workflowId: serviceWorkflowId(DOMAIN, BUILT), args: [sampleInput(BUILT, {}, DOMAIN)] });
    buildRunId = build.firstExecutionRunId;
    await build.result();
    await (await auditReader()).record({
      idempotencyKey: `${build.workflowId}:xss`,
      occurredAt: new Date(),
      workflowId: `maintain:${DOMAIN}:${BUILT}`,
      runId: 'xss-run',
      operation: 'maintainService',
      identityDomain: DOMAIN,
      serviceName: BUILT,
      event: 'desired_changed',
      requestedBy: 'mallory',
      ticket: XSS_TICKET,
      details: { note: XSS_DETAIL },
    });

    // A rollout over three other services that waits for an approval before each batch (2 + 1).
    s.sim.seed(DOMAIN, FLEET);
    rolloutId = `patch:${DOMAIN}:${PATCH}`;
    const rollout = await s.t.client.workflow.start('rollingPatch', {
      taskQueue: s.taskQueue,
      workflowId: rolloutId,
      args: [{ identityDomain: DOMAIN, patchId: PATCH, services: FLEET, maxParallel: 2, approval: 'each', healthTimeoutSeconds: 10 }],
    });
    await waitUntil('the first approval', () => rollout.query(rolloutProgressQuery), (p) => p.state === 'awaiting_approval');

    const env: NodeJS.ProcessEnv = {
      ...cliEnvFor(s),
      DATABASE_URL: inject('databaseUrl'),
      DASHBOARD_PORT: '0',
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_TEMPORAL_UI_URL: UI,
      DASHBOARD_AUTH: 'jwt',
      DASHBOARD_AUTH_JWKS_FILE: issuer.jwksFile,
      DASHBOARD_AUTH_ISSUER: LOCAL_ISSUER,
      DASHBOARD_AUTH_REQUIRED_GROUP: GROUP,
      DASHBOARD_POLL_MS: '300',
      DBAAS_LOG_FORMAT: 'json',
    };
    delete env.DBAAS_ADMIN_PASSWORD;
    dashboard = startTs('dashboard', 'src/dashboard/main.ts', [], { env });
    url = (await dashboard.waitFor(/dashboard listening on (http:\/\/[\d.]+:\d+)/, 60_000))[1]!;
    // Visibility is eventually consistent: the page is opened once the build and the rollout are listed.
    await waitUntil('the build and the rollout in visibility', () => s.t.client.workflow.count(`IdentityDomain = "${DOMAIN}" AND DbOperation IN ("buildService", "rollingPatch")`), (c) => c.count === 2, 30_000);
  });

  afterAll(async () => {
    await s?.t.client.workflow.getHandle(rolloutId).terminate('dashboard test done').catch(() => undefined);
    await browser?.close();
    await dashboard?.stop();
    await s?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh browser profile signed in through the form; CSP violations reported by the console are kept. */
  async function signedIn(token: string): Promise<{ page: Page; cspViolations: string[]; close: () => Promise<void>; status: number }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && cspViolations.push(m.text())));
    await page.goto(`${url}/login`);
    await page.locator('input[name="token"]').fill(token);
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'sign in' }).click()]);
    return { page, cspViolations, close: () => context.close(), status: response?.status() ?? 0 };
  }

  it('refuses a load without a token (401) and a signed-in user outside the group (403)', async () => {
    const context = await browser.newContext();
    try {
      const anonymous = await (await context.newPage()).goto(`${url}/domains/${DOMAIN}`);
      expect(anonymous?.status()).toBe(401);
      expect(await anonymous?.text()).not.toContain(BUILT);
      const withHeader = await context.newPage();
      await withHeader.setExtraHTTPHeaders({ authorization: `Bearer ${outsiderToken}` });
      expect((await withHeader.goto(`${url}/domains/${DOMAIN}`))?.status()).toBe(403);
    } finally {
      await context.close();
    }
    const outsider = await signedIn(outsiderToken);
    try {
      expect(outsider.status).toBe(403);
      await outsider.page.locator('#login-error').getByText(`not in the group "${GROUP}"`).waitFor();
      expect((await outsider.page.goto(`${url}/domains/${DOMAIN}`))?.status()).toBe(401);
    } finally {
      await outsider.close();
    }
  });

  it('lists the built service, links its build into the Temporal UI, and follows the rollout live through an approval', async () => {
    const { page, cspViolations, close } = await signedIn(viewerToken);
    try {
      await page.goto(`${url}/domains/${DOMAIN}`);
      const row = page.locator(`#services tr[data-service="${BUILT}"]`);
      await row.waitFor();
      const cells = await row.locator('td').allInnerTexts();
      expect(cells.slice(0, 4)).toEqual([BUILT, 'Running', 'oc3', '12.2.0.1']);
      expect(cells[5]).toBe('not maintained');
      const buildLink = `${UI}/namespaces/default/workflows/${encodeURIComponent(serviceWorkflowId(DOMAIN, BUILT))}/${buildRunId}/history`;
      expect(await row.locator('td').nth(6).locator('a').getAttribute('href')).toBe(buildLink);
      expect(cells[6]).toContain('buildService · COMPLETED');

      const rollout = page.locator('#rollouts-rows tr').filter({ hasText: rolloutId });
      const rolloutCells = () => rollout.locator('td').allInnerTexts();
      await rollout.filter({ hasText: 'awaiting_approval' }).filter({ hasText: 'pending 3' }).waitFor();
      expect((await rolloutCells()).slice(1, 5)).toEqual([PATCH, 'awaiting_approval', '1/2', 'pending 3']);
      expect(await rollout.locator('a').getAttribute('href')).toMatch(new RegExp(`^${UI}/namespaces/default/workflows/${encodeURIComponent(rolloutId)}/[\\w-]+/history$`));

      // The page is not reloaded: its poll brings the second batch's approval wait and the counts.
      await s.t.client.workflow.getHandle(rolloutId).executeUpdate(approveUpdate, { args: [{ by: 'dashboard-test' }] });
      await rollout.filter({ hasText: '2/2' }).filter({ hasText: 'patched 2' }).filter({ hasText: 'awaiting_approval' }).waitFor({ timeout: 60_000 });
      expect((await rolloutCells()).slice(2, 5)).toEqual(['awaiting_approval', '2/2', 'patched 2, pending 1']);
      expect(await page.locator('#live-status').innerText()).toMatch(/^live, as of /);
      expect(cspViolations).toEqual([]);
    } finally {
      await close();
    }
  });

  it('shows the service\'s audit trail, requested → succeeded, with markup in audit events as text', async () => {
    const { page, cspViolations, close } = await signedIn(viewerToken);
    try {
      await page.goto(`${url}/domains/${DOMAIN}`);
      await page.locator(`#services a`, { hasText: BUILT }).click();
      await page.waitForURL(`${url}/domains/${DOMAIN}/services/${BUILT}`);
      const events = page.locator('#trail tbody tr');
      await events.first().waitFor();
      const build = await events.filter({ hasText: 'buildService' }).locator('td.event').allInnerTexts();
      expect(build[0]).toBe('requested');
      expect(build.at(-1)).toBe('succeeded');
      expect(build).toContain('started');
      // The markup is shown as what it is, and ran nowhere.
      const xss = events.filter({ hasText: 'desired_changed' });
      expect(await xss.innerText()).toContain(XSS_TICKET);
      expect(await xss.innerText()).toContain(XSS_DETAIL.replace('</td>', ''));
      // (A string, run in the page: this file is compiled without the DOM's types.)
      expect(await page.evaluate('window.__xss')).toBeUndefined();
      expect(await page.locator('#trail img, #trail script').count()).toBe(0);
      // Its runs, each linked into the Temporal UI.
      const buildLink = `${UI}/namespaces/default/workflows/${encodeURIComponent(serviceWorkflowId(DOMAIN, BUILT))}/${buildRunId}/history`;
      expect(await page.locator(`#runs a[href="${buildLink}"]`).count()).toBe(1);
      expect(cspViolations).toEqual([]);
    } finally {
      await close();
    }
  });

  it('shows the report as tables and SVG charts', async () => {
    const { page, cspViolations, close } = await signedIn(viewerToken);
    try {
      const res = await page.goto(`${url}/domains/${DOMAIN}/report?since=1d`);
      expect(res?.status(), await res?.text()).toBe(200);
      await page.locator('#section-operations svg').waitFor();
      expect(await page.locator('#section-operations table').innerText()).toContain('buildService');
      expect(await page.locator('#section-storage svg circle').count()).toBeGreaterThan(0);
      expect(await page.locator('#section-inventory table').innerText()).toContain('oc3');
      expect(cspViolations).toEqual([]);
    } finally {
      await close();
    }
  });
});
