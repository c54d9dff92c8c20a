// A real browser for the UI tests: the system's Chromium (Debian's `chromium` package, which .ci/run
// installs) driven by playwright-core, which ships no browser of its own. CHROMIUM_PATH names another.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { isExecutable, onPath } from '../../scripts/lib/go-binaries';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** The Chromium binary to drive, or undefined when this machine has none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return isExecutable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  for (const name of CANDIDATES) {
    const found = onPath(name, env);
    if (found) return found;
  }
  return undefined;
}

/** Why findChromium found nothing, and what to do about it. */
export function chromiumMissing(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_PATH) return `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file: point it at a Chromium binary, or unset it to use chromium from PATH`;
  return `no Chromium found (none of ${CANDIDATES.join(', ')} on PATH): install Debian's "chromium" package (apt-get install chromium; .ci/run does), or set CHROMIUM_PATH, to run the browser tests`;
}

/**
 * The base64 SHA-256 of a certificate's public key, as Chromium's --ignore-certificate-errors-spki-list
 * wants it: the browser then accepts that one throw-away certificate and still refuses every other
 * invalid one (unlike --ignore-certificate-errors or Playwright's ignoreHTTPSErrors).
 */
export function spkiPin(certFile: string): string {
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export async function launchChromium(executablePath: string, options: { trustCertificates?: string[] } = {}): Promise<Browser> {
  const args = ['--disable-dev-shm-usage'];
  // Chromium's sandbox needs user namespaces, which root in a container usually lacks.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const pins = (options.trustCertificates ?? []).map(spkiPin);
  if (pins.length) args.push(`--ignore-certificate-errors-spki-list=${pins.join(',')}`);
  return chromium.launch({ executablePath, headless: true, args, timeout: 30_000 });
}
