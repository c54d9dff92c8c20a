// Colour for a person at a terminal only: none when NO_COLOR is set (https://no-color.org), when TERM
// is "dumb", or when the stream is a pipe or a file, so logs and scripts get plain text.

export interface Paint {
  ok(text: string): string;
  fail(text: string): string;
  warn(text: string): string;
}

export function colorsEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return !!stream.isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function paint(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): Paint {
  const on = colorsEnabled(stream, env);
  const sgr = (code: number) => (text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { ok: sgr(32), fail: sgr(31), warn: sgr(33) };
}
