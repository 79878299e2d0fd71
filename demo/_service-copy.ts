/** A temporary copy of the example service whose manifest.json names the customer server and product platform of
 *  one run, so `serverless offline` can serve it on other ports beside the checkout's own run (and its .esbuild). */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What `serverless offline` builds the functions from. */
const SERVICE_FILES = ['serverless.yml', 'manifest.json', 'iparams.json', 'package.json', 'tsconfig.json', 'esbuild.plugins.cjs', 'functions'];
/** Shared with the checkout, not copied: the installed modules and the packages' sources they (and tsconfig) lead to. */
const LINKED = ['node_modules', 'packages'];

/** Where one run's functions call out and whom they answer. */
export interface ServiceOrigins {
  /** `host:port` of the customer server, as `customer.allowedHosts` lists it. */
  customerHost: string;
  /** Origin of the product platform: the session issuer, its JWKS, and an allowed CORS origin. */
  platformOrigin: string;
}

/** The sections of manifest.json a run's ports touch. */
interface PortedManifest {
  session?: { jwksUrl?: string; issuer?: string };
  cors?: { allowedOrigins?: string[] };
  customer: { allowedHosts: string[] };
}

export interface ServiceCopy {
  /** The copy's folder: the working directory for `tessera offline`. */
  dir: string;
  /** Deletes the copy. Call it once `serverless offline` has exited. */
  remove(): void;
}

function sessionOf(platformOrigin: string): { jwksUrl: string; issuer: string } {
  return { jwksUrl: `${platformOrigin}/.well-known/jwks.json`, issuer: platformOrigin };
}

/** The checkout's manifest.json. */
export function readManifest(root: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as Record<string, unknown>;
}

/**
 * True when the manifest already lets the functions call this customer host and trust this platform's sessions
 * and origin, so the checkout itself can be served.
 * @example
 * manifestAllows(readManifest(root), { customerHost: '127.0.0.1:4100', platformOrigin: 'http://127.0.0.1:4200' });  // true
 */
export function manifestAllows(manifest: Record<string, unknown>, origins: ServiceOrigins): boolean {
  const m = manifest as unknown as PortedManifest;
  const session = sessionOf(origins.platformOrigin);
  return (
    m.customer.allowedHosts.includes(origins.customerHost) &&
    (m.cors?.allowedOrigins ?? []).includes(origins.platformOrigin) &&
    m.session?.jwksUrl === session.jwksUrl &&
    m.session?.issuer === session.issuer
  );
}

/**
 * Copies the service to a temporary folder (node_modules linked, not copied) with a manifest that also allows the
 * customer host and the platform's origin, and takes its sessions from that platform.
 * @example
 * const copy = copyService(root, { customerHost: '127.0.0.1:51234', platformOrigin: 'http://127.0.0.1:51235' });
 */
export function copyService(root: string, origins: ServiceOrigins): ServiceCopy {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-service-'));
  try {
    for (const f of SERVICE_FILES) cpSync(join(root, f), join(dir, f), { recursive: true });
    for (const f of LINKED) symlinkSync(join(root, f), join(dir, f));
    const manifest = readManifest(root) as unknown as PortedManifest;
    manifest.session = { ...manifest.session, ...sessionOf(origins.platformOrigin) };
    manifest.cors = { ...manifest.cors, allowedOrigins: [...(manifest.cors?.allowedOrigins ?? []), origins.platformOrigin] };
    manifest.customer.allowedHosts = [...manifest.customer.allowedHosts, origins.customerHost];
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
