// How a command prints what it found: text for a person, JSON (-o json, --json) for a script, or
// JSON lines (-o jsonl) for a stream: one object per line, each printed as soon as it is known.

export const OUTPUT_FORMATS = ['text', 'json', 'jsonl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What a command's options say about output (`output` set by the CLI; `json` alone from older callers). */
export interface OutputOptions {
  output?: OutputFormat;
  json?: boolean;
}

export const formatOf = (o: OutputOptions): OutputFormat => o.output ?? (o.json ? 'json' : 'text');
export const isMachine = (o: OutputOptions): boolean => formatOf(o) !== 'text';

/** One result: indented JSON, or one line with -o jsonl. */
export function printJson(o: OutputOptions, value: unknown): void {
  console.log(formatOf(o) === 'jsonl' ? JSON.stringify(value) : JSON.stringify(value, null, 2));
}

/** A list: a JSON array, or (jsonl) one object per line. */
export function printList(o: OutputOptions, rows: readonly unknown[]): void {
  if (formatOf(o) === 'jsonl') for (const row of rows) console.log(JSON.stringify(row));
  else console.log(JSON.stringify(rows, null, 2));
}
