/** The loopback ports of `npm start` (and of demo/attack.ts, which calls them): each from its flag, else its
 *  TESSERA_* variable, else its default. */
import { parseArgs } from 'node:util';
import type { NamedPort } from '@tessera/offline';

interface PortSpec {
  name: string;
  flag: `--${string}`;
  env: string;
  /** The default, or how it follows from the functions' port. */
  fallback: number | ((httpPort: number) => number);
  /** How the default reads in the usage text. */
  shown: string;
}

/** Every port `npm start` listens on, directly or through `tessera offline` and `serverless offline`. */
export const DEMO_PORTS = {
  ssm: { name: 'ssm-local', flag: '--ssm-port', env: 'TESSERA_SSM_PORT', fallback: 4583, shown: '4583' },
  http: { name: 'functions', flag: '--http-port', env: 'TESSERA_HTTP_PORT', fallback: 4000, shown: '4000' },
  sls: { name: 'serverless offline', flag: '--sls-port', env: 'TESSERA_SLS_PORT', fallback: (http) => http + 10, shown: 'http port + 10' },
  lambda: {
    name: "serverless offline's Lambda API",
    flag: '--lambda-port',
    env: 'TESSERA_LAMBDA_PORT',
    fallback: (http) => http + 2,
    shown: 'http port + 2',
  },
  ws: { name: "serverless offline's WebSocket API", flag: '--ws-port', env: 'TESSERA_WS_PORT', fallback: (http) => http + 1, shown: 'http port + 1' },
  customer: { name: 'customer server', flag: '--customer-port', env: 'TESSERA_CUSTOMER_PORT', fallback: 4100, shown: '4100' },
  platform: { name: 'product platform', flag: '--platform-port', env: 'TESSERA_PLATFORM_PORT', fallback: 4200, shown: '4200' },
} as const satisfies Record<string, PortSpec>;

export type DemoPorts = { readonly [K in keyof typeof DEMO_PORTS]: NamedPort };

/** What each port serves, for the usage text. */
const SERVES: Record<keyof typeof DEMO_PORTS, string> = {
  ssm: 'the local SSM endpoint',
  http: "the functions (tessera offline's proxy)",
  sls: 'serverless offline itself, behind that proxy',
  lambda: "serverless offline's Lambda invoke API",
  ws: "serverless offline's WebSocket API",
  customer: 'the demo customer server',
  platform: 'the dev product platform and its page',
};

/** The port lines of a usage text: flag, variable, default, what listens there. */
export function portsUsage(): string {
  const rows = Object.entries(DEMO_PORTS).map(([key, p]) => [p.flag, p.env, p.shown, SERVES[key as keyof typeof DEMO_PORTS]]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)) + 2);
  return rows
    .map(
      (r) =>
        `  ${r
          .slice(0, 3)
          .map((c, i) => c.padEnd(widths[i]!))
          .join('')}${r[3]}`,
    )
    .join('\n');
}

function parsePort(raw: string, source: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new Error(`${source} must be a port from 1 to 65535`);
  return n;
}

/**
 * Reads the ports (flag > variable > default) and the positionals from a command line; unknown flags, a bad port and
 * two ports the same throw, with the flags named.
 * @example
 * const { ports } = readDemoPorts(['--customer-port', '5100'], process.env);  // ports.customer.port === 5100
 */
export function readDemoPorts(argv: string[], env: NodeJS.ProcessEnv): { ports: DemoPorts; positionals: string[]; help: boolean } {
  const options = Object.fromEntries(Object.values(DEMO_PORTS).map((p) => [p.flag.slice(2), { type: 'string' as const }]));
  const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const chosen = (p: PortSpec): number | undefined => {
    const flag = values[p.flag.slice(2)];
    if (typeof flag === 'string') return parsePort(flag, p.flag);
    const variable = env[p.env];
    return variable === undefined || variable === '' ? undefined : parsePort(variable, p.env);
  };
  const httpPort = chosen(DEMO_PORTS.http) ?? DEMO_PORTS.http.fallback;
  const entries = Object.entries(DEMO_PORTS).map(([key, p]: [string, PortSpec]) => {
    const port = chosen(p) ?? (typeof p.fallback === 'number' ? p.fallback : p.fallback(httpPort));
    return [key, { port, name: p.name, flag: p.flag, env: p.env }] as const;
  });
  const ports = Object.fromEntries(entries) as unknown as DemoPorts;
  const byPort = new Map<number, NamedPort>();
  for (const [, p] of entries) {
    const other = byPort.get(p.port);
    if (other) throw new Error(`${other.flag} and ${p.flag} are both port ${p.port}: each server needs its own`);
    byPort.set(p.port, p);
  }
  return { ports, positionals: parsed.positionals, help: values.help === true };
}

/**
 * The flags that repeat this run's non-default ports on another command line (demo/attack.ts reads the same ones).
 * @example
 * `node --import tsx demo/attack.ts forge${flagsFor(ports, ['ssm', 'http', 'customer'])}`
 */
export function flagsFor(ports: DemoPorts, keys: readonly (keyof typeof DEMO_PORTS)[]): string {
  const defaults = readDemoPorts([], {}).ports;
  return keys
    .filter((k) => ports[k].port !== defaults[k].port)
    .map((k) => ` ${ports[k].flag} ${ports[k].port}`)
    .join('');
}
