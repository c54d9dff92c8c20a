// Environment variables set to the empty string count as unset: compose files and shells pass
// `VAR=` for "no value", and an empty DATABASE_URL must mean the embedded store, not a bad URL.

/** A copy of `env` without the variables whose value is empty (or only blanks). */
export function withoutEmptyValues(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
}

/** Removes empty variables from this process's environment: called first by every entry point. */
export function dropEmptyEnvironmentVariables(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() === '') delete env[k];
}
