// docker-compose.yml describes the production-like topology; no Docker engine runs here, so the file is
// validated by `docker-compose config` (Debian's docker-compose package) and checked against the contract.
// The Dockerfile cannot be built here either: it is parsed and held to what the production image must be
// (test/integration/compiled-worker.test.ts runs what it runs: the build and the compiled processes).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { prometheusConfig } from '../scripts/lib/prometheus';
import { describe, expect, it } from 'vitest';
import { ALL_SEARCH_ATTRIBUTE_KEYS, DEFAULT_TASK_QUEUE } from '../src/shared/contract';
import { codecServerConfigFromEnv } from '../src/worker/codec-server-config';

const root = path.resolve(__dirname, '..');
const composeFile = path.join(root, 'docker-compose.yml');
const compose = (args: string[], file = composeFile, env: NodeJS.ProcessEnv = {}) => spawnSync('docker-compose', ['-f', file, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

/** The services that run this project's code, and the source each runs compiled. */
const IMAGE_SERVICES: Record<string, string> = {
  'worker-1': 'src/worker/main.ts',
  'worker-2': 'src/worker/main.ts',
  simulator: 'src/simulator/main.ts',
  codec: 'src/worker/codec-server.ts',
};

/** Source → the file `npm run build` emits for it (dist/…js), from tsc's own view of tsconfig.build.json (nothing is emitted). */
function compiledFiles(): Map<string, string> {
  const tsc = require.resolve('typescript/bin/tsc');
  const shown = JSON.parse(execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--showConfig'], { cwd: root, encoding: 'utf8' })) as { compilerOptions: { outDir: string; rootDir: string }; files: string[] };
  const { outDir, rootDir } = shown.compilerOptions;
  return new Map(shown.files.map((f) => [path.normalize(f), path.normalize(path.join(outDir, path.relative(rootDir, f))).replace(/\.ts$/, '.js')]));
}

interface ResolvedService {
  ports?: string[];
  environment?: Record<string, string>;
}
/** The file as docker-compose resolves it, with these variables set in its environment. */
const resolve = (env: NodeJS.ProcessEnv = {}) => (yaml.load(compose(['config'], composeFile, env).stdout) as { services: Record<string, ResolvedService> }).services;
const publishedPorts = (services: Record<string, ResolvedService>) => Object.entries(services).flatMap(([name, svc]) => (svc.ports ?? []).map((p) => `${name} ${p}`));

describe('docker-compose.yml', () => {
  it('is valid for docker-compose config -q', () => {
    const r = compose(['config', '-q']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has every part of the topology', () => {
    const services = execFileSync('docker-compose', ['-f', composeFile, 'config', '--services'], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(services).toEqual(['codec', 'postgresql', 'prometheus', 'simulator', 'temporal-1', 'temporal-2', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker-1', 'worker-2']);
  });

  it('runs two servers and the UI on the same configuration files as npm run cluster, with a healthcheck on every long-running service', () => {
    const resolved = yaml.load(compose(['config']).stdout) as {
      services: Record<string, { command?: string[]; entrypoint?: string[]; volumes?: string[]; healthcheck?: { test?: string[] }; restart?: string; ports?: string[]; environment?: Record<string, string> }>;
    };
    const deploy = path.join(root, 'scripts', 'cluster-config');
    for (const name of ['temporal-1', 'temporal-2', 'temporal-ui']) {
      const svc = resolved.services[name]!;
      expect(svc.volumes).toContain(`${deploy}:/etc/dbaas/temporal:ro`);
      expect([...(svc.entrypoint ?? []), ...(svc.command ?? [])].join(' ')).toMatch(/--root \/etc\/dbaas\/temporal --config (config|ui) --env cluster/);
    }
    // The files scripts/lib/cluster.ts starts its processes with.
    const cluster = readFileSync(path.join(root, 'scripts', 'lib', 'cluster.ts'), 'utf8');
    expect(cluster).toContain("'--config', 'config', '--env', 'cluster'");
    expect(cluster).toContain("'--config', 'ui', '--env', 'cluster'");
    for (const [name, svc] of Object.entries(resolved.services)) {
      if (!['temporal-schema', 'temporal-setup'].includes(name)) {
        expect(svc.healthcheck, name).toBeDefined();
        expect(svc.restart, `${name} restarts`).toMatch(/unless-stopped|always|on-failure/);
      }
      for (const port of svc.ports ?? []) expect(port, `${name} publishes only on loopback`).toMatch(/^127\.0\.0\.1:/);
    }
    // The services of this project answer their own health endpoints (src/worker/health.ts, the codec server, the simulator).
    expect(resolved.services['worker-1']!.healthcheck!.test!.join(' ')).toContain(`127.0.0.1:${resolved.services['worker-1']!.environment!.DBAAS_HEALTH_PORT}/readyz`);
    expect(resolved.services.codec!.healthcheck!.test!.join(' ')).toContain('/livez');
    expect(resolved.services.simulator!.healthcheck!.test!.join(' ')).toContain('/__sim/health');
    expect(resolved.services['worker-1']!.environment!.TEMPORAL_ADDRESS).toBe('temporal-1:7233');
    expect(resolved.services['worker-2']!.environment!.TEMPORAL_ADDRESS).toBe('temporal-2:7233');
  });

  it('has Prometheus scrape every server and worker where they serve their metrics', () => {
    const resolved = yaml.load(compose(['config']).stdout) as { services: Record<string, { volumes?: string[]; environment?: Record<string, string> }> };
    const prometheusFile = path.join(root, 'scripts', 'cluster-config', 'prometheus', 'prometheus.yml');
    expect(resolved.services.prometheus!.volumes).toContain(`${prometheusFile}:/etc/prometheus/prometheus.yml:ro`);
    const config = yaml.load(readFileSync(prometheusFile, 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = Object.fromEntries(config.scrape_configs.map((j) => [j.job_name, j.static_configs.flatMap((c) => c.targets).sort()]));
    // Servers: base+20 (config/cluster.yaml's default for TEMPORAL_METRICS_PORT).
    const base = Number(resolved.services['temporal-1']!.environment!.TEMPORAL_PORT_BASE);
    expect(readFileSync(path.join(root, 'scripts', 'cluster-config', 'config', 'cluster.yaml'), 'utf8')).toContain('default (toString (add $base 20))');
    expect(targets['temporal-server']).toEqual([`temporal-1:${base + 20}`, `temporal-2:${base + 20}`]);
    // Workers: on every interface of their container, at the port Prometheus scrapes.
    for (const w of ['worker-1', 'worker-2']) expect(resolved.services[w]!.environment!.DBAAS_METRICS_ADDRESS).toBe('0.0.0.0:9465');
    expect(targets['dbaas-worker']).toEqual(['worker-1:9465', 'worker-2:9465']);
    // npm run cluster writes the same jobs with its loopback addresses.
    expect(yaml.load(prometheusConfig([{ job: 'dbaas-worker', targets: ['127.0.0.1:9465'] }]))).toEqual({
      global: { scrape_interval: '15s', evaluation_interval: '15s' },
      scrape_configs: [{ job_name: 'dbaas-worker', static_configs: [{ targets: ['127.0.0.1:9465'] }] }],
    });
  });

  it('registers the search attributes of the contract and runs the worker on its task queue', () => {
    const resolved = compose(['config']).stdout;
    for (const key of ALL_SEARCH_ATTRIBUTE_KEYS) expect(resolved).toContain(key.name);
    expect(resolved).toContain(`DBAAS_TASK_QUEUE: ${DEFAULT_TASK_QUEUE}`);
    expect(resolved).toContain('condition: service_completed_successfully');
    expect(resolved).toContain('TEMPORAL_CODEC_ENDPOINT');
  });

  it('publishes every port on 127.0.0.1 unless DBAAS_PUBLISH_HOST says otherwise', () => {
    // Bare "8080:8080" would listen on every interface: the default must name loopback for each port.
    const loopback = ['codec 127.0.0.1:8888:8888/tcp', 'prometheus 127.0.0.1:9090:9090/tcp', 'simulator 127.0.0.1:9080:9080/tcp', 'temporal-1 127.0.0.1:7233:7233/tcp', 'temporal-ui 127.0.0.1:8080:8080/tcp'];
    expect(publishedPorts(resolve({ DBAAS_PUBLISH_HOST: '' })).sort()).toEqual(loopback);
    expect(publishedPorts(resolve({ DBAAS_PUBLISH_HOST: '0.0.0.0' })).sort()).toEqual(loopback.map((p) => p.replace('127.0.0.1', '0.0.0.0')));
    // The UI server listens on every interface by default: its configuration must say loopback (npm run cluster).
    expect(readFileSync(path.join(root, 'scripts', 'cluster-config', 'ui', 'cluster.yaml'), 'utf8')).toContain('host: {{ env "TEMPORAL_UI_HOST" | default "127.0.0.1" }}');
  });

  it('wires the codec server to bearer tokens the UI passes on, and it refuses to start until an identity provider is set', () => {
    const services = resolve({ CODEC_AUTH_JWKS_URL: '', CODEC_AUTH: '' });
    const ui = services['temporal-ui']!.environment!;
    expect(ui.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('true');
    expect(ui.TEMPORAL_CODEC_ENDPOINT).toBe('http://localhost:8888');
    const codec = services.codec!.environment!;
    expect(codec).toMatchObject({ CODEC_AUTH: 'jwt', CODEC_AUTH_AUDIENCE: 'dbaas', CODEC_CORS_ORIGINS: 'http://localhost:8080' });
    // What the container's codec server would read:
    expect(() => codecServerConfigFromEnv(codec)).toThrow(/CODEC_AUTH_JWKS_URL.*CODEC_AUTH=none/);
    const withIdp = resolve({ CODEC_AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json', CODEC_AUTH_ISSUER: 'https://idp.example.com/' }).codec!.environment!;
    expect(codecServerConfigFromEnv(withIdp)).toMatchObject({
      host: '0.0.0.0',
      port: 8888,
      allowedOrigins: ['http://localhost:8080'],
      auth: { mode: 'jwt', jwksUrl: 'https://idp.example.com/.well-known/jwks.json', issuer: 'https://idp.example.com/', audience: 'dbaas' },
    });
    const trial = resolve({ CODEC_AUTH: 'none', TEMPORAL_CODEC_PASS_ACCESS_TOKEN: 'false' });
    expect(codecServerConfigFromEnv(trial.codec!.environment!).auth).toEqual({ mode: 'none' });
    expect(trial['temporal-ui']!.environment!.TEMPORAL_CODEC_PASS_ACCESS_TOKEN).toBe('false');
    // Workers decode history too: they get the previous keys of a rotation.
    expect(Object.keys(services['worker-1']!.environment!)).toContain('DBAAS_CODEC_PREVIOUS_KEYS');
  });

  it('runs the workers, the simulator and the codec server from the one image, each with node on a file `npm run build` emits', () => {
    const services = yaml.load(compose(['config']).stdout) as { services: Record<string, { build?: { context?: string }; image?: string; command?: string[] }> };
    const emitted = compiledFiles();
    const images = new Set<string | undefined>();
    for (const [name, source] of Object.entries(IMAGE_SERVICES)) {
      const svc = services.services[name]!;
      expect(svc.build?.context, name).toBe(root);
      images.add(svc.image);
      const [command, entry, ...rest] = svc.command ?? [];
      expect({ name, command, rest }).toEqual({ name, command: 'node', rest: [] });
      // The file the image holds (WORKDIR /app, dist/ copied from the build stage) is the one emitted from this source.
      expect(emitted.get(source), `${name} runs ${source}`).toBe(entry);
      expect(svc.command!.join(' '), name).not.toMatch(/\b(npm|tsx|npx)\b/);
    }
    expect(images).toEqual(new Set(['dbaas-orchestrator:local']));
    expect(resolve({ DBAAS_IMAGE: 'registry.example.com/dbaas:1.2.3' }).simulator).toMatchObject({ image: 'registry.example.com/dbaas:1.2.3' });
  });

  it('would catch a broken file (the check can fail)', () => {
    const broken = path.join(mkdtempSync(path.join(os.tmpdir(), 'compose-')), 'docker-compose.yml');
    writeFileSync(broken, readFileSync(composeFile, 'utf8').replace('condition: service_healthy', 'condition: service_maybe'));
    expect(compose(['config', '-q'], broken).status).not.toBe(0);
  });
});

/** One instruction of a Dockerfile (continuation lines joined), with its build stage. */
interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** The stages of a Dockerfile, ARG defaults substituted into FROM (what `docker build` would pull without --build-arg). */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [image = '', as, name] = args.replace(/\$\{(\w+)\}/g, (_, v: string) => globalArgs[v] ?? '').split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (!stages.length && upper === 'ARG') {
      const [k = '', v = ''] = args.split('=');
      globalArgs[k] = v;
    } else stages.at(-1)?.instructions.push({ keyword: upper, args });
  }
  return stages;
}

const execForm = (args: string): string[] => {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed)) throw new Error(`not the exec form: ${args}`);
  return parsed as string[];
};

/** What keeps a Dockerfile from being the production image the issue asks for (empty: nothing). */
function imageProblems(text: string, workerEntry: string): string[] {
  const stages = parseDockerfile(text);
  const runtime = stages.at(-1);
  if (!runtime) return ['no FROM'];
  const problems: string[] = [];
  const all = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword);
  const last = (keyword: string) => all(keyword).at(-1);
  if (!/^node:(22|24)(\.\d+)*(-bookworm)?-slim(@sha256:[0-9a-f]{64})?$/.test(runtime.image)) problems.push(`runtime image ${runtime.image} is not node 22 or 24 slim`);
  const builder = stages.slice(0, -1).find((s) => s.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)));
  if (!builder) problems.push('no build stage runs npm run build');
  else if (!all('COPY').some((i) => i.args.startsWith(`--from=${builder.name ?? stages.indexOf(builder)} `) && /\bdist\b/.test(i.args))) problems.push('the runtime stage does not copy dist/ from the build stage');
  if (all('COPY').some((i) => /(^|\s)(\.\/)?src(\/|\s)/.test(i.args) && !i.args.startsWith('--from='))) problems.push('the runtime stage copies TypeScript sources');
  const installs = all('RUN').filter((i) => /\bnpm (ci|install)\b/.test(i.args));
  if (!installs.length || installs.some((i) => !/--omit=dev\b/.test(i.args))) problems.push('the runtime stage does not install with npm ci --omit=dev');
  const user = last('USER')?.args.split(':')[0];
  if (!user || user === 'root' || user === '0') problems.push(`runs as ${user ?? 'root (no USER)'}`);
  const entrypoint = last('ENTRYPOINT') ? execForm(last('ENTRYPOINT')!.args) : [];
  if (!/(^|\/)tini$/.test(entrypoint[0] ?? '')) problems.push('no init (tini) as ENTRYPOINT');
  else if (!all('RUN').some((i) => /apt-get install\b.*\btini\b/.test(i.args))) problems.push('tini is the ENTRYPOINT but is not installed');
  const cmd = last('CMD') ? execForm(last('CMD')!.args) : [];
  if (cmd[0] !== 'node' || cmd[1] !== workerEntry) problems.push(`CMD ${JSON.stringify(cmd)} is not node ${workerEntry}`);
  if ([...entrypoint, ...cmd].some((a) => /\b(tsx|npm|npx)\b/.test(a))) problems.push('tsx or npm at start');
  const workdir = last('WORKDIR')?.args ?? '/';
  const bundle = all('ENV').map((i) => /^DBAAS_WORKFLOW_BUNDLE[= ](\S+)$/.exec(i.args)?.[1]).find(Boolean);
  if (bundle !== path.posix.join(workdir, 'dist', 'workflow-bundle.js')) problems.push(`DBAAS_WORKFLOW_BUNDLE is ${bundle ?? 'not set'}, not the prebuilt bundle`);
  return problems;
}

describe('Dockerfile', () => {
  const workerEntry = () => compiledFiles().get('src/worker/main.ts')!;

  it('builds the production image: Node 22/24 slim, compiled JavaScript and the prebuilt bundle, node behind tini, not root', () => {
    expect(workerEntry()).toBe('dist/src/worker/main.js');
    expect(imageProblems(readFileSync(path.join(root, 'Dockerfile'), 'utf8'), workerEntry())).toEqual([]);
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.data', '.git']) expect(ignored, `.dockerignore ${entry}`).toContain(entry);
  });

  it('would catch the image it replaces (the check can fail)', () => {
    // The Dockerfile before issue 13: tsx at start, bundling at start, npm as PID 1.
    const before = [
      'FROM node:20-bookworm-slim',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev && npm cache clean --force',
      'COPY tsconfig.json ./',
      'COPY src ./src',
      'USER node',
      'CMD ["npm", "run", "worker"]',
    ].join('\n');
    expect(imageProblems(before, workerEntry())).toEqual([
      'runtime image node:20-bookworm-slim is not node 22 or 24 slim',
      'no build stage runs npm run build',
      'the runtime stage copies TypeScript sources',
      'no init (tini) as ENTRYPOINT',
      'CMD ["npm","run","worker"] is not node dist/src/worker/main.js',
      'tsx or npm at start',
      'DBAAS_WORKFLOW_BUNDLE is not set, not the prebuilt bundle',
    ]);
    const current = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(imageProblems(current.replace('USER node', 'USER root'), workerEntry())).toEqual(['runs as root']);
    expect(imageProblems(current.replace(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim$/m, 'FROM node:${NODE_VERSION}-bookworm'), workerEntry())).toEqual(['runtime image node:22-bookworm is not node 22 or 24 slim']);
  });
});
