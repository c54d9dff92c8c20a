// The standalone Temporal UI server (v2.42.1, built by scripts/temporal-server.ts) with its single
// sign-on on: configured by the same file as `npm run cluster` and docker-compose.yml
// (scripts/cluster-config/ui/cluster.yaml), here with auth.enabled and an OIDC provider, so the UI has a
// signed-in user whose access token it passes to the codec server. `npm run cluster` starts the UI
// without login (scripts/lib/cluster.ts); this is the shape a shared deployment should have.
import { ensureClusterBinaries } from '../temporal-server';
import { CLUSTER_CONFIG_DIR } from './cluster';
import { startProcess, type ManagedProcess } from './process';

export interface UiSsoOptions {
  /** Where the UI server finds `/.well-known/openid-configuration`. */
  providerUrl: string;
  /** The tokens' `iss` when it is not the provider URL (the UI's `issuerUrl`). */
  issuer?: string;
  clientId: string;
  clientSecret: string;
}

export interface StandaloneUiOptions {
  temporalAddress: string;
  port: number;
  /** Loopback by default. */
  host?: string;
  codecEndpoint?: string;
  /** Send the signed-in user's access token to the codec endpoint (the UI does so for https:// endpoints only). */
  passAccessToken?: boolean;
  sso?: UiSsoOptions;
  echo?: boolean;
}

export interface StandaloneUi {
  url: string;
  /** Where the identity provider sends the browser back (register it with the provider). */
  callbackUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** The callback URL of a UI at `url` (the UI server's route, /auth/sso/callback). */
export const uiCallbackUrl = (url: string) => `${url}/auth/sso/callback`;

export async function startStandaloneUi(options: StandaloneUiOptions): Promise<StandaloneUi> {
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host}:${options.port}`;
  const callbackUrl = uiCallbackUrl(url);
  const { ui } = ensureClusterBinaries();
  const sso = options.sso;
  const proc = startProcess('temporal-ui', ui, ['--root', CLUSTER_CONFIG_DIR, '--config', 'ui', '--env', 'cluster', 'start'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_UI_HOST: host,
      TEMPORAL_UI_PORT: String(options.port),
      TEMPORAL_UI_ORIGIN: url,
      TEMPORAL_CODEC_ENDPOINT: options.codecEndpoint ?? '',
      TEMPORAL_CODEC_PASS_ACCESS_TOKEN: String(options.passAccessToken ?? false),
      TEMPORAL_AUTH_ENABLED: String(Boolean(sso)),
      TEMPORAL_AUTH_PROVIDER_URL: sso?.providerUrl ?? '',
      TEMPORAL_AUTH_ISSUER_URL: sso?.issuer ?? '',
      TEMPORAL_AUTH_CLIENT_ID: sso?.clientId ?? '',
      TEMPORAL_AUTH_CLIENT_SECRET: sso?.clientSecret ?? '',
      TEMPORAL_AUTH_CALLBACK_URL: sso ? callbackUrl : '',
    },
    echo: options.echo,
  });
  try {
    // With auth on, the UI server reads the provider's discovery document before it listens: a wrong
    // provider URL ends the process here, with its message.
    await proc.waitFor(/http server started|⇨|started on/i, 60_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, callbackUrl, process: proc, stop: async () => void (await proc.stop()) };
}
