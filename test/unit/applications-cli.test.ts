// `dbaas app add|remove` take two positional arguments (test/unit/bad-input-cli.test.ts spoils one):
// each bad one ends with exit 2 naming it, before anything connects. And `app create` starts nothing
// without a contact.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const reached = vi.hoisted(() => ({ temporal: 0, audit: 0 }));
vi.mock('../../src/starter/temporal', () => ({
  connectTemporal: async () => {
    reached.temporal += 1;
    throw new Error('test: no Temporal connection was expected');
  },
  readProgress: async () => {
    throw new Error('test: no Temporal connection was expected');
  },
}));
vi.mock('../../src/audit/open', () => ({
  openAuditStore: async () => {
    reached.audit += 1;
    throw new Error('test: no audit store was expected');
  },
}));

import { runCli } from '../../src/starter/cli';

beforeAll(() => {
  delete process.env.DATABASE_URL;
  delete process.env.DBAAS_IDENTITY_DOMAIN;
});
beforeEach(() => Object.assign(reached, { temporal: 0, audit: 0 }));

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runCli(argv, { writeErr: (t) => void (err += t), writeOut: () => undefined });
  return { code, err };
}

describe('dbaas app: arguments checked before anything connects', () => {
  it.each(['add', 'remove'])('app %s: a bad application name or service name is refused, naming it', async (action) => {
    for (const name of ['has space', 'a/b', 'x'.repeat(65), '_lead', 'ü', 'app:x']) {
      const { code, err } = await cli(['app', action, name, 'db1', '--domain', 'dom']);
      expect([code, err.includes('<name>')], err).toEqual([2, true]);
    }
    for (const service of ['9db', 'has space', 'a_b', 'x'.repeat(51), 'db/x', '../x', 'é']) {
      const { code, err } = await cli(['app', action, 'orders', service, '--domain', 'dom']);
      expect([code, err.includes('<service>')], err).toEqual([2, true]);
    }
    expect((await cli(['app', action, 'orders'])).err).toContain("missing required argument 'service'");
    expect((await cli(['app', action, 'orders', 'db1'])).err).toContain('--domain');
    expect(reached).toEqual({ temporal: 0, audit: 0 });
  });

  it('app create needs a contact', async () => {
    const { code, err } = await cli(['app', 'create', 'orders']);
    expect(code).toBe(2);
    expect(err).toContain('--contact');
    expect(reached).toEqual({ temporal: 0, audit: 0 });
  });

  it('valid lines go on to connect (Temporal without DATABASE_URL)', async () => {
    for (const argv of [['app', 'add', 'orders', 'db1', '--domain', 'dom'], ['app', 'remove', 'orders', 'db1', '--domain', 'dom'], ['app', 'list'], ['app', 'show', 'orders'], ['app', 'create', 'orders', '--contact', 'https://hooks.example/a']]) {
      reached.temporal = 0;
      const { code } = await cli(argv);
      expect(code, argv.join(' ')).not.toBe(2);
      expect(reached.temporal, argv.join(' ')).toBe(1);
    }
  });
});
