// The local stack and `npm run cluster` listen on loopback unless DBAAS_BIND_HOST says otherwise.
import { describe, expect, it } from 'vitest';
import { bindHost, reachableHost } from '../../scripts/lib/bind-host';
import { devServerArgs } from '../../scripts/lib/dev-server';

const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

describe('bind host of the local stack', () => {
  it('is 127.0.0.1 unless DBAAS_BIND_HOST is set (empty counts as unset)', () => {
    expect(bindHost({})).toBe('127.0.0.1');
    expect(bindHost({ DBAAS_BIND_HOST: '' })).toBe('127.0.0.1');
    expect(bindHost({ DBAAS_BIND_HOST: '0.0.0.0' })).toBe('0.0.0.0');
    expect(() => bindHost({ DBAAS_BIND_HOST: 'http://host' })).toThrow('DBAAS_BIND_HOST must be an IP address or a host name');
  });

  it('puts the dev server and its UI on that address', () => {
    const args = devServerArgs({ port: 7233, uiPort: 8233, host: bindHost({}) });
    expect(flag(args, '--ip')).toBe('127.0.0.1');
    expect(flag(args, '--ui-ip')).toBe('127.0.0.1');
    const open = devServerArgs({ port: 7233, uiPort: 8233, host: '0.0.0.0' });
    expect([flag(open, '--ip'), flag(open, '--ui-ip')]).toEqual(['0.0.0.0', '0.0.0.0']);
    expect(devServerArgs({ port: 7233, host: '127.0.0.1' })).toContain('--headless');
  });

  it('sends clients on this machine to loopback when the server listens on every interface', () => {
    expect(reachableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(reachableHost('::')).toBe('127.0.0.1');
    expect(reachableHost('::1')).toBe('[::1]');
    expect(reachableHost('10.0.0.5')).toBe('10.0.0.5');
  });
});
