// No secret leaves where it belongs: after a build through the CLI and a build whose create job
// fails (rolled back), the admin password, the DBCS password (and its Basic header), and the
// requester's token appear nowhere else: not in raw history (fetched without the codec), the
// worker's and the CLI's output, the audit store, the failure messages, or the processes' arguments.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/lib/process';
import { openLocalIssuer, type LocalIssuer } from '../../src/auth/local-issuer';
import { serviceWorkflowId } from '../../src/shared/contract';
import type { DbcsSimulator } from '../../src/simulator/server';
import { auditTrail, cliEnvFor, cliFor, connectClient, sampleInput, startSimulator, startWorker, uniqueName, SIM_USER } from '../helpers/harness';

const ADMIN_PASSWORD = 'Adm1n#Secret_4471';
const DBCS_PASSWORD = 'Dbcs-Pw_9f3k2qZ';
const DOMAIN = 'secretsdom';

let sim: DbcsSimulator;
let worker: ManagedProcess;
let issuer: LocalIssuer;
let t: Awaited<ReturnType<typeof connectClient>>;
const taskQueue = uniqueName('secrets');

beforeAll(async () => {
  issuer = await openLocalIssuer(mkdtempSync(path.join(os.tmpdir(), 'dbaas-secrets-')));
  sim = await startSimulator({ password: DBCS_PASSWORD, jobDurationMs: { create: 300, delete: 300 } });
  [worker, t] = await Promise.all([
    startWorker({ taskQueue, simulatorUrl: sim.url, env: { DBCS_PASSWORD: DBCS_PASSWORD, DBAAS_AUTH: 'required', DBAAS_AUTH_JWKS_FILE: issuer.jwksFile } }),
    connectClient(),
  ]);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await sim?.close();
});

/** Every form a secret could leak in: as is, base64, base64url, and (for the DBCS password) the Basic header. */
function formsOf(secrets: Record<string, string>): [string, string][] {
  return Object.entries(secrets).flatMap(([name, value]) => [
    [name, value],
    [`${name} (base64)`, Buffer.from(value).toString('base64')],
    [`${name} (base64url)`, Buffer.from(value).toString('base64url')],
  ]);
}

it('keeps the admin password, the DBCS password and the token out of history, logs, audit, errors and arguments', async () => {
  const token = await issuer.issue({ subject: 'olga@example.com', groups: ['operators'] });
  const { cli, startCli } = cliFor(() => cliEnvFor({ sim, taskQueue }));
  const cliEnv = { DBAAS_TOKEN: token, DBCS_PASSWORD: DBCS_PASSWORD, DBAAS_ADMIN_PASSWORD: ADMIN_PASSWORD };

  // A build that succeeds, through the CLI (the password from the environment, never an argument).
  const good = uniqueName('good').slice(0, 14);
  const spec = path.join(mkdtempSync(path.join(os.tmpdir(), 'dbaas-spec-')), 'spec.json');
  const service = structuredClone(sampleInput(good).service);
  for (const p of service.parameters ?? []) delete (p as { adminPassword?: string }).adminPassword;
  writeFileSync(spec, JSON.stringify(service));
  const built = await cli(['build', spec, '--domain', DOMAIN, '--wait', '--json'], cliEnv);
  expect(built.code, built.out).toBe(0);

  // A build whose create job fails and is rolled back, started as the CLI would (sealed token).
  const bad = uniqueName('bad').slice(0, 14);
  sim.faults.replace({ triggers: [{ action: 'fail-job', route: 'create', serviceName: bad, message: 'ORA-01034: ORACLE not available' }] });
  const badSpec = spec.replace('spec.json', 'bad.json');
  writeFileSync(badSpec, JSON.stringify({ ...service, serviceName: bad }));
  const failedCli = startCli(['build', badSpec, '--domain', DOMAIN, '--wait', '--json'], cliEnv);
  expect(await failedCli.exited, failedCli.output.join('\n')).toBe(1);
  const failure = await t.client.workflow.getHandle(serviceWorkflowId(DOMAIN, bad)).result().then(() => undefined, (e: unknown) => e);
  expect(failure).toBeInstanceOf(WorkflowFailedError);

  const places: Record<string, string> = {};
  for (const name of [good, bad]) {
    const id = serviceWorkflowId(DOMAIN, name);
    places[`raw history of ${name}`] = JSON.stringify(await t.rawClient.workflow.getHandle(id).fetchHistory());
    places[`audit of ${name}`] = JSON.stringify(await auditTrail(id));
  }
  places['failure of the failed build'] = JSON.stringify({ message: (failure as Error).message, cause: (failure as WorkflowFailedError).cause?.message, details: (failure as WorkflowFailedError).cause });
  places['worker output'] = worker.output.join('\n');
  places['worker arguments'] = worker.child.spawnargs.join(' ');
  places['CLI arguments'] = failedCli.child.spawnargs.join(' ');
  places['CLI output'] = [built.out, ...failedCli.output].join('\n');
  // The sealed credential header is there (so the check below looks at the right history).
  expect(places[`raw history of ${good}`]).toContain('dbaas-credential');
  expect(places[`audit of ${good}`]).toContain('olga@example.com');

  const leaks: string[] = [];
  for (const [secret, form] of formsOf({ 'admin password': ADMIN_PASSWORD, 'DBCS password': DBCS_PASSWORD, 'DBCS Basic header': `${SIM_USER}:${DBCS_PASSWORD}`, token, 'token payload': token.split('.')[1]! })) {
    for (const [place, text] of Object.entries(places)) if (text.includes(form)) leaks.push(`${secret} in ${place}`);
  }
  expect(leaks).toEqual([]);
});
