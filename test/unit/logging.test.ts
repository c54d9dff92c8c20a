// Log lines: JSON for shippers, readable on a terminal, the SDK's metadata as fields; the simulator
// and the codec server write the same JSON lines as the worker.
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { startTs } from '../../scripts/lib/process';
import { createLogger, temporalLogger } from '../../src/worker/telemetry/logging';

function capture(isTTY: boolean): { stream: PassThrough; lines: () => string[] } {
  const stream = Object.assign(new PassThrough(), { isTTY });
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

it('writes one JSON object per line when the output is not a terminal, the SDK\'s metadata as fields', () => {
  const out = capture(false);
  const log = temporalLogger(createLogger('worker', { destination: out.stream, env: {} }));
  log.info('Activity completed', { workflowId: 'svc:d:s', activityType: 'waitForJob', durationMs: 12 });
  log.debug('not at info level');
  log.error('poll failed', { error: new Error('boom') });
  const [first, second, ...rest] = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(rest).toEqual([]);
  expect(first).toMatchObject({ level: 'info', component: 'worker', msg: 'Activity completed', workflowId: 'svc:d:s', activityType: 'waitForJob', durationMs: 12 });
  expect(first!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(second).toMatchObject({ level: 'error', msg: 'poll failed', error: 'boom' });
});

it('is readable on a terminal, without colours under NO_COLOR', () => {
  const out = capture(true);
  createLogger('worker', { destination: out.stream, env: { NO_COLOR: '1' } }).info({ workflowId: 'svc:d:s' }, 'dbaas worker ready');
  const [line, field] = out.lines();
  expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: dbaas worker ready$/);
  expect(field).toMatch(/workflowId: "svc:d:s"/);
  expect(out.lines().join('\n')).not.toContain('\u001b[');
});

it('follows LOG_LEVEL and DBAAS_LOG_FORMAT, and names a bad value', () => {
  const out = capture(true);
  const log = createLogger('codec-server', { destination: out.stream, env: { LOG_LEVEL: 'warn', DBAAS_LOG_FORMAT: 'json' } });
  log.info('dropped');
  log.warn('kept');
  expect(out.lines().map((l) => JSON.parse(l) as { msg: string }).map((l) => l.msg)).toEqual(['kept']);
  expect(() => createLogger('x', { env: { LOG_LEVEL: 'loud' } })).toThrow(/LOG_LEVEL must be one of/);
  expect(() => createLogger('x', { env: { DBAAS_LOG_FORMAT: 'xml' } })).toThrow(/DBAAS_LOG_FORMAT must be "json" or "pretty"/);
});

it('has the codec server write JSON lines too', async () => {
  const codec = startTs('codec', 'src/worker/codec-server.ts', [], { env: { ...process.env, CODEC_AUTH: 'none', CODEC_PORT: '0', DBAAS_CODEC_KEY: Buffer.alloc(32, 7).toString('base64') } });
  try {
    await codec.waitFor(/codec server listening on/, 30_000);
    const line = JSON.parse(codec.output.find((l) => l.includes('listening on'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', component: 'codec-server', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  } finally {
    await codec.stop();
  }
});

it('has the simulator write JSON lines too', async () => {
  const sim = startTs('simulator', 'src/simulator/main.ts', [], { env: { ...process.env, SIM_PORT: '0', LOG_LEVEL: 'info' } });
  try {
    await sim.waitFor(/DBCS simulator listening on/, 30_000);
    const line = JSON.parse(sim.output.find((l) => l.includes('listening on'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', component: 'simulator', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
  } finally {
    await sim.stop();
  }
});
