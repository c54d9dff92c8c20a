// `npm run simulator`: the DBCS API simulator as a standalone server, configured from the environment.
import { z } from 'zod';
import { DbcsSimulator } from './server';
import { describeZodError } from '../shared/schemas';
import { dropEmptyEnvironmentVariables } from '../worker/env';
import { createLogger } from '../worker/telemetry/logging';

const envSchema = z.object({
  SIM_PORT: z.coerce.number().int().min(0).max(65535).default(9080),
  SIM_HOST: z.string().default('127.0.0.1'),
  SIM_USERNAME: z.string().min(1).default('dbaas'),
  SIM_PASSWORD: z.string().min(1).default('simulator'),
  SIM_JOB_MS: z.coerce.number().int().min(0).default(3000),
  SIM_DELETE_JOB_MS: z.coerce.number().int().min(0).optional(),
  /** How long a backup and a recovery take (default SIM_JOB_MS). */
  SIM_BACKUP_JOB_MS: z.coerce.number().int().min(0).optional(),
  SIM_VISIBILITY_DELAY_MS: z.coerce.number().int().min(0).default(500),
  /** Fault configuration as JSON (see src/simulator/faults.ts). */
  SIM_FAULTS: z.string().optional(),
  SIM_QUIET: z.enum(['0', '1']).default('0'),
});

export async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    console.error(`simulator: invalid configuration: ${describeZodError(parsed.error)}`);
    process.exit(2);
  }
  const env = parsed.data;
  const logger = createLogger('simulator');
  let faults: unknown = {};
  try {
    faults = env.SIM_FAULTS ? JSON.parse(env.SIM_FAULTS) : {};
  } catch {
    console.error('simulator: SIM_FAULTS is not valid JSON');
    process.exit(2);
  }
  const sim = new DbcsSimulator({
    port: env.SIM_PORT,
    host: env.SIM_HOST,
    username: env.SIM_USERNAME,
    password: env.SIM_PASSWORD,
    jobDurationMs: { create: env.SIM_JOB_MS, delete: env.SIM_DELETE_JOB_MS ?? Math.ceil(env.SIM_JOB_MS / 2), scale: env.SIM_JOB_MS, control: env.SIM_JOB_MS, backup: env.SIM_BACKUP_JOB_MS ?? env.SIM_JOB_MS, recovery: env.SIM_BACKUP_JOB_MS ?? env.SIM_JOB_MS },
    visibilityDelayMs: env.SIM_VISIBILITY_DELAY_MS,
    faults: faults as never,
    log: env.SIM_QUIET === '1' ? undefined : (line) => logger.info(line),
  });
  const url = await sim.listen();
  // Scripts wait for this line.
  logger.info({ url }, `DBCS simulator listening on ${url}`);
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  dropEmptyEnvironmentVariables();
  void main();
}
