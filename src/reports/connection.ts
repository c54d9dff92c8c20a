// How a report connects to PostgreSQL: its queries are few, big and analytic. JIT compilation cost
// seconds per report and saved nothing at this size (measured: 3.2 s with it, 0.95 s without, for
// 100,000 events), and the default 4 MB of work_mem made its sorts spill to disk. The session
// settings go in the connection URL's `options`, so only the report's own connections have them.
const REPORT_SETTINGS = '-c jit=off -c work_mem=64MB';

export function reportDatabaseUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return databaseUrl; // a connection string pg reads otherwise (key=value): left as given
  }
  const given = url.searchParams.get('options');
  url.searchParams.set('options', given ? `${given} ${REPORT_SETTINGS}` : REPORT_SETTINGS);
  return url.toString();
}
