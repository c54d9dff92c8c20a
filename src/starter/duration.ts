// Durations on the command line (`--max-wait`), written as the temporal CLI takes them (Go's form:
// 90s, 5m, 1h30m, 500ms) or as a bare number of seconds.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
/** Longer than any operation's own timeouts: a bigger value is a typo. */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

/** Milliseconds; throws a message fit to follow the option's name. */
export function parseDuration(text: string): number {
  const t = text.trim();
  let ms: number;
  if (/^\d{1,9}$/.test(t)) ms = Number(t) * 1000;
  else {
    const parts = [...t.matchAll(/(\d{1,9}(?:\.\d{1,3})?)(ms|h|m|s)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== t) throw new Error('use a duration such as 30s, 5m, 1h30m or 90 (seconds)');
    ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2] as keyof typeof UNIT_MS], 0);
  }
  if (!(ms >= 1)) throw new Error('must be longer than 0');
  if (ms > MAX_DURATION_MS) throw new Error('must be at most 168h (7 days)');
  return Math.round(ms);
}

/** 2s, 1m30s, 250ms: for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${sec || (!h && !m) ? `${sec}s` : ''}`;
}
