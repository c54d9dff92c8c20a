// The local stack's own parts: finding (or refusing to build) the Temporal CLI, and the dev server
// script: SQLite persistence under a data directory and the contract's search attributes registered.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../../scripts/lib/dev-server';
import { ensureTemporalCli, findTemporalCli } from '../../scripts/temporal-cli';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../src/shared/contract';
import { freePort } from '../../scripts/lib/postgres';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'dbaas-boot-'));

describe('Temporal CLI bootstrap', () => {
  it('prefers TEMPORAL_CLI, then PATH, then the cache', () => {
    const cli = inject('temporalCli');
    expect(findTemporalCli({ TEMPORAL_CLI: cli, PATH: '' })).toBe(cli);
    const bin = tmp();
    writeFileSync(path.join(bin, 'temporal'), '#!/bin/sh\n');
    chmodSync(path.join(bin, 'temporal'), 0o755);
    expect(findTemporalCli({ PATH: bin, DBAAS_CACHE_DIR: tmp() })).toBe(path.join(bin, 'temporal'));
    expect(findTemporalCli({ PATH: '', DBAAS_CACHE_DIR: tmp() })).toBeUndefined();
    expect(() => findTemporalCli({ TEMPORAL_CLI: '/nonexistent/temporal' })).toThrow('is not an executable file');
  });

  it('says how to get Go when there is no CLI and no Go to build it', () => {
    expect(() => ensureTemporalCli({ PATH: '', DBAAS_CACHE_DIR: tmp(), GO_BINARY: '/nonexistent/go' }, () => undefined)).toThrow(/install Go from https:\/\/go\.dev\/dl\//);
  });
});

describe('dev server script', () => {
  it('persists to SQLite under the data directory and registers the search attributes', async () => {
    const dbFile = path.join(tmp(), 'temporal.db');
    const port = await freePort();
    const first = await startDevServer({ port, dbFile });
    const connection = await Connection.connect({ address: first.address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const key of ALL_SEARCH_ATTRIBUTE_KEYS) expect(Object.keys(customAttributes ?? {})).toContain(key.name);
      const client = new Client({ connection });
      await client.workflow.start('buildService', { taskQueue: 'nobody-polls-this', workflowId: 'persisted', args: [{}] });
    } finally {
      await connection.close();
      await first.process.stop('SIGTERM');
    }
    const second = await startDevServer({ port, dbFile });
    const again = await Connection.connect({ address: second.address });
    try {
      const description = await new Client({ connection: again }).workflow.getHandle('persisted').describe();
      expect(description.status.name).toBe('RUNNING');
    } finally {
      await again.close();
      await second.process.stop('SIGTERM');
    }
  });
});
