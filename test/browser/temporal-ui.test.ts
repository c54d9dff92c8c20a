// The Temporal UI in a real browser (headless Chromium, driven by playwright-core), on the shape a shared
// deployment should have: the standalone UI server v2.42.1 with its single sign-on on, against a small
// OIDC provider in front of the local development issuer (scripts/lib/local-oidc.ts); the codec server
// on https with bearer-token checks (that issuer's JWKS, its issuer, audience `dbaas`, a required
// group); the UI configured to pass the signed-in user's access token to it (passAccessToken).
//
// What this proves: an operator who signs in through SSO can filter runs by DbServiceName and
// DbOperation, open a build, and read its input decrypted by the codec server, which decoded it
// because the UI sent that user's token (the server logs the token's subject); a signed-in user
// outside the required group sees the input still encrypted (the codec server answered 403); and
// the admin password appears neither in the page nor in any response the browser received (that
// check fails today: the codec server decodes the whole input, adminPassword included; SECURITY.md).
// What it does not prove: a real IdP's login (this provider signs everyone in as a configured user,
// no password form), token refresh or expiry in the UI (tokens live 10 minutes), or the dev server's
// built-in UI (`npm start`), which has no login and so no token to pass.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateCertificates } from '../../scripts/lib/certs';
import { startLocalOidcProvider, type LocalOidcProvider } from '../../scripts/lib/local-oidc';
import { freePort } from '../../scripts/lib/postgres';
import { startStandaloneUi, uiCallbackUrl, type StandaloneUi } from '../../scripts/lib/ui-server';
import { openLocalIssuer, LOCAL_ISSUER } from '../../src/auth/local-issuer';
import { serviceWorkflowId } from '../../src/shared/contract';
import { loadCodecKeys } from '../../src/worker/codec';
import { startCodecServer } from '../../src/worker/codec-server';
import { chromiumMissing, findChromium, launchChromium } from '../helpers/browser';
import { cliEnvFor, cliFor, sampleInput, startFileStack, TEST_CODEC_KEY_FILE, TEST_PASSWORD, uniqueName, waitUntil, type FileStack } from '../helpers/harness';

const chromiumPath = findChromium();
if (!chromiumPath) console.warn(`test/browser/temporal-ui.test.ts: skipped: ${chromiumMissing()}`);

const CLIENT_ID = 'temporal-ui';
const CODEC_GROUP = 'codec-readers';
const OPERATOR = { subject: 'olga@example.com', email: 'olga@example.com', name: 'Olga Operator', groups: [CODEC_GROUP] };
const OUTSIDER = { subject: 'victor@example.com', email: 'victor@example.com', name: 'Victor Viewer', groups: ['viewers'] };
const DOMAIN = uniqueName('uidom');
const BUILT = uniqueName('uidb').slice(0, 14);
const OTHER = uniqueName('uiother').slice(0, 14);

describe.skipIf(!chromiumPath)('the Temporal UI in headless Chromium', () => {
  let s: FileStack;
  let oidc: LocalOidcProvider;
  let ui: StandaloneUi;
  let codec: { url: string; close: () => Promise<void> };
  const codecLog: string[] = [];
  let browser: Browser;
  let buildRunId: string;
  let scaleRunId: string;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbaas-ui-'));

  beforeAll(async () => {
    const issuer = await openLocalIssuer(tmp);
    const certs = generateCertificates(path.join(tmp, 'certs'), { hosts: ['127.0.0.1', 'localhost'] });
    const uiPort = await freePort();
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    const clientSecret = uniqueName('secret');
    [s, oidc, codec] = await Promise.all([
      startFileStack('ui', { jobDurationMs: { create: 500, scale: 300 } }),
      startLocalOidcProvider({ issuer, clientId: CLIENT_ID, clientSecret, redirectUris: [uiCallbackUrl(uiUrl)], user: OPERATOR }),
      // https: the UI passes the access token to https:// codec endpoints only (its bundled JS checks the scheme).
      startCodecServer({
        port: 0,
        tls: { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) },
        keys: loadCodecKeys({ DBAAS_CODEC_KEY_FILE: TEST_CODEC_KEY_FILE }),
        auth: { mode: 'jwt', jwksFile: issuer.jwksFile, issuer: LOCAL_ISSUER, audience: 'dbaas', requiredGroup: CODEC_GROUP },
        allowedOrigins: [uiUrl],
        log: (line) => codecLog.push(line),
      }),
    ]);
    [ui, browser] = await Promise.all([
      startStandaloneUi({
        temporalAddress: inject('temporalAddress'),
        port: uiPort,
        codecEndpoint: codec.url,
        passAccessToken: true,
        sso: { providerUrl: oidc.url, issuer: oidc.issuer, clientId: CLIENT_ID, clientSecret },
      }),
      // Chromium trusts the codec server's throw-away certificate, and only that one.
      launchChromium(chromiumPath!, { trustCertificates: [certs.serverCert] }),
    ]);

    // The build under test, through the real CLI with the admin password from the environment; then
    // runs the filter must leave out: another service's build, and another operation on the same service.
    const spec = path.join(tmp, 'spec.json');
    const service = structuredClone(sampleInput(BUILT).service);
    for (const p of service.parameters ?? []) delete (p as { adminPassword?: string }).adminPassword;
    writeFileSync(spec, JSON.stringify(service));
    const { cli } = cliFor(() => cliEnvFor(s));
    const built = await cli(['build', spec, '--domain', DOMAIN, '--wait']);
    expect(built.code, built.out).toBe(0);
    buildRunId = (await s.t.client.workflow.getHandle(serviceWorkflowId(DOMAIN, BUILT)).describe()).runId;
    const other = await s.t.client.workflow.start('buildService', { taskQueue: s.taskQueue, workflowId: serviceWorkflowId(DOMAIN, OTHER), args: [sampleInput(OTHER, {}, DOMAIN)] });
    const scale = await s.t.client.workflow.start('scaleService', { taskQueue: s.taskQueue, workflowId: serviceWorkflowId(DOMAIN, BUILT), args: [{ identityDomain: DOMAIN, serviceName: BUILT, shape: 'oc4' }] });
    scaleRunId = scale.firstExecutionRunId;
    await Promise.all([other.result(), scale.result()]);
    // Visibility is eventually consistent: the UI is opened once all three runs are listed.
    await waitUntil('the three runs in visibility', () => s.t.client.workflow.count(`IdentityDomain = "${DOMAIN}"`), (c) => c.count === 3, 30_000);
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await codec?.close();
    await oidc?.close();
    await s?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh browser profile signed in through the UI's SSO; every response it receives is kept. */
  async function signedIn(user: typeof OPERATOR): Promise<{ context: BrowserContext; page: Page; responses: Response[] }> {
    oidc.signInAs(user);
    const context = await browser.newContext();
    const responses: Response[] = [];
    context.on('response', (r) => void responses.push(r));
    const page = await context.newPage();
    // With auth on, the UI sends an anonymous visitor to its login page; its button starts the code flow.
    await page.goto(`${ui.url}/namespaces/default/workflows`);
    await page.getByText('Continue to SSO').click();
    await page.waitForURL((url) => url.pathname === '/namespaces/default/workflows');
    // The UI keeps the user's tokens (from the callback's cookie) in localStorage and sends them from there.
    const authUser = async () => (await context.storageState()).origins.flatMap((o) => o.localStorage).find((e) => e.name === 'AuthUser')?.value ?? '{}';
    await expect.poll(async () => (JSON.parse(await authUser()) as { accessToken?: string }).accessToken).toBeTruthy();
    return { context, page, responses };
  }

  const listUrl = (query: string) => `${ui.url}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
  const buildUrl = () => `${ui.url}/namespaces/default/workflows/${encodeURIComponent(serviceWorkflowId(DOMAIN, BUILT))}/${buildRunId}/history`;
  // The run page's "Input" and "Result" are its two read-only code views, the input first.
  const inputView = (page: Page) => page.locator('.readOnly .cm-content').first();

  it('signs in through SSO, filters by DbServiceName and DbOperation, and opens the build with its input decoded by the codec server', async () => {
    const { context, page } = await signedIn(OPERATOR);
    try {
      const rows = page.locator('table tbody tr');
      // One attribute: the service's two runs (its build and its scale), not the other service's build.
      await page.goto(listUrl(`DbServiceName = "${BUILT}"`));
      await rows.filter({ hasText: buildRunId }).waitFor();
      await rows.filter({ hasText: scaleRunId }).waitFor();
      expect(await rows.count()).toBe(2);
      // Both: the build alone (DbOperation holds the workflow type, src/shared/contract.ts).
      await page.goto(listUrl(`DbServiceName = "${BUILT}" AND DbOperation = "buildService"`));
      const build = rows.filter({ hasText: buildRunId });
      await build.waitFor();
      expect(await rows.count()).toBe(1);
      expect(await build.innerText()).toContain('buildService');

      await build.getByRole('link', { name: buildRunId }).click();
      await page.waitForURL(/\/history/);
      const input = inputView(page);
      await input.getByText(`"serviceName": "${BUILT}"`).waitFor();
      const text = await input.innerText();
      expect(text).toContain(`"identityDomain": "${DOMAIN}"`);
      expect(text).toContain('"shape": "oc3"');
      // The codec server decoded it for the signed-in user: the UI sent that user's access token.
      expect(codecLog).toContain(`codec: decode 1 payload(s) for ${OPERATOR.subject}`);
      expect(codecLog.filter((l) => / (401|403) /.test(l))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('never shows the admin password: not in the page, not in any response the browser received', async () => {
    const { context, page, responses } = await signedIn(OPERATOR);
    try {
      await page.goto(buildUrl());
      await inputView(page).getByText(`"serviceName": "${BUILT}"`).waitFor();
      // The page text, and every body (the codec server's /decode answer too, whatever the UI renders).
      const seen: [string, string][] = [['the page text', await page.locator('body').innerText()]];
      for (const r of responses) seen.push([r.url(), await r.text().catch(() => '')]);
      expect(seen.filter(([, body]) => containsSecret(body, TEST_PASSWORD)).map(([where]) => where)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps the input encrypted for a signed-in user outside the codec server\'s group', async () => {
    const { context, page } = await signedIn(OUTSIDER);
    try {
      await page.goto(buildUrl());
      // The UI shows the payload as stored when the codec server refuses: encoding binary/encrypted.
      await inputView(page).getByText(`"encoding": "${Buffer.from('binary/encrypted').toString('base64')}"`).waitFor();
      expect(await inputView(page).innerText()).not.toContain(BUILT);
      await expect.poll(() => codecLog).toContain('codec: 403 POST /decode from 127.0.0.1: the token\'s subject is not in the group "codec-readers"');
      expect(codecLog.filter((l) => l.includes(OUTSIDER.subject))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

/** The secret as is, in base64 or base64url, or inside any base64 run of the text (a codec response carries payloads in base64). */
function containsSecret(text: string, secret: string): boolean {
  const forms = [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')];
  if (forms.some((f) => text.includes(f))) return true;
  return (text.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []).some((run) => Buffer.from(run, 'base64').toString('latin1').includes(secret));
}
