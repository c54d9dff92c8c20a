// A configuration mistake: the entry points print its message (which names the variable, flag or
// profile field) and exit 2 instead of a stack trace.
export class ConfigError extends Error {}
