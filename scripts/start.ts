// `npm start`: the whole local stack (dev server + UI, codec server, simulator, worker) until Ctrl+C.
import { startStack } from './lib/stack';
import { dropEmptyEnvironmentVariables } from '../src/worker/env';

async function main(): Promise<void> {
  dropEmptyEnvironmentVariables();
  console.log('Starting the local stack (the first start builds the Temporal CLI and may take a few minutes)...');
  const stack = await startStack({ echo: true });
  console.log(`
dbaas local stack is up
  Temporal UI       ${stack.uiUrl}   (payloads decoded through the codec server ${stack.codecUrl})
  Temporal gRPC     ${stack.temporalAddress}
  DBCS simulator    ${stack.simulatorUrl}   (stats: ${stack.simulatorUrl}/__sim/stats)
  Try:              DBAAS_ADMIN_PASSWORD=... npx dbaas build examples/single-instance.json --domain demo --wait
Ctrl+C stops everything.`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping the local stack...');
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
