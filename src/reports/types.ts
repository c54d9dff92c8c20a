// What every report section shares: the scope it covers and the table it answers with.
import { REPORT_SECTION_NAMES } from '../shared/reports';

/** The sections of `dbaas report`, in the order they are printed. */
export const SECTION_NAMES = REPORT_SECTION_NAMES;
export type SectionName = (typeof SECTION_NAMES)[number];

/** The period a report covers and the domain it looks at (null: every domain of the audit store). */
export interface ReportScope {
  domain: string | null;
  since: Date;
  until: Date;
}

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

/** A section as a table (text and CSV print `columns` of `rows`; JSON prints everything). */
export interface SectionResult {
  name: SectionName;
  title: string;
  /** [key in a row, heading]. */
  columns: [string, string][];
  rows: Row[];
  /** Sentences printed under the table: rules, gaps ("no backup records"), example prices. */
  notes: string[];
  /** More for JSON only (e.g. storage now). */
  extra?: Record<string, unknown>;
  /** Text prints these rows instead, and the note (e.g. only the services that were down). */
  brief?: { rows: Row[]; note: string };
}

/** The part of the audit store a report reads: read-only SQL, the same on PGlite and PostgreSQL. */
export interface ReportDb {
  reportQuery<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}
