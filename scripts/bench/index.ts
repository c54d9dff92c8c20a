// `npm run bench [-- scenario]`: benchmarks that print figures. Scenarios so far: maintain.
import { maintainLoad } from './maintain-load';

const scenarios: Record<string, () => Promise<void>> = { maintain: () => maintainLoad() };

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const name of wanted.length ? wanted : Object.keys(scenarios)) {
    const run = scenarios[name];
    if (!run) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    await run();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
