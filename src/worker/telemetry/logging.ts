// One log stream per process: JSON lines (pino) for log shippers, human-readable when stdout is a
// terminal. The worker hands the same logger to the Temporal runtime, so the SDK's own lines, the
// workflow and activity loggers and the native (Rust) core's lines all arrive here.
import pino, { type Logger as PinoLogger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { z } from 'zod';

export type { PinoLogger };

const logEnvSchema = z.object({
  /** trace, debug, info (default), warn, error, silent. */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { message: 'must be one of trace, debug, info, warn, error, silent' }).default('info'),
  /** json or pretty; default: pretty on a terminal, json otherwise. */
  DBAAS_LOG_FORMAT: z.enum(['json', 'pretty'], { message: 'must be "json" or "pretty"' }).optional(),
});

export interface LogOptions {
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

/** The process's logger, `component` on every line (worker, codec-server, simulator). */
export function createLogger(component: string, options: LogOptions = {}): PinoLogger {
  const env = options.env ?? process.env;
  const parsed = logEnvSchema.safeParse({ LOG_LEVEL: env.LOG_LEVEL || undefined, DBAAS_LOG_FORMAT: env.DBAAS_LOG_FORMAT || undefined });
  if (!parsed.success) throw new Error(`invalid log configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const destination = options.destination ?? process.stdout;
  const terminal = (destination as { isTTY?: boolean }).isTTY === true;
  const format = parsed.data.DBAAS_LOG_FORMAT ?? (terminal ? 'pretty' : 'json');
  const settings: pino.LoggerOptions = {
    level: parsed.data.LOG_LEVEL,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Levels by name ("info"), not number: readable by people and by every log shipper.
    formatters: { level: (label) => ({ level: label }) },
  };
  if (format === 'json') return pino(settings, destination as pino.DestinationStream);
  // Synchronous so a line printed just before exit is not lost; colours only for a terminal without
  // NO_COLOR; no component (the local stack prefixes each process's lines with its name already).
  const pretty = pinoPretty({ destination, sync: true, colorize: terminal && !env.NO_COLOR, ignore: 'pid,hostname,component', translateTime: 'SYS:HH:MM:ss.l' });
  return pino(settings, pretty);
}

/** The native core's filter for a pino level: as verbose as ours, but never trace (its trace is every poll). */
export function coreLogLevel(level: string): LogLevel {
  const map: Record<string, LogLevel> = { trace: 'DEBUG', debug: 'DEBUG', info: 'INFO', warn: 'WARN' };
  return map[level] ?? 'ERROR';
}

const PINO_LEVEL: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The Temporal SDK's Logger on top of pino. The SDK passes what it knows as metadata (workflowId,
 * runId, workflowType, activityType, taskQueue, …, plus the attributes our interceptors add); they
 * become fields of the line.
 */
export function temporalLogger(logger: PinoLogger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => logger[PINO_LEVEL[level]](fieldsOf(meta), message);
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

/** Plain fields: symbol keys dropped; an Error as its message (a stack only at debug). */
function fieldsOf(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) fields[key] = value instanceof Error ? value.message : value;
  return fields;
}
