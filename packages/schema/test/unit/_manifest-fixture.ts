/** A valid manifest and iparams pair for the manifest tests, and a helper to change one JSON path. */
import type { IparamsSchema } from '../../src/index.js';

export const IPARAMS: IparamsSchema = {
  server_url: { display_name: 'URL', type: 'url', required: true },
  optional_url: { display_name: 'Other URL', type: 'url' },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true },
  optional_secret: { display_name: 'Optional secret', type: 'paragraph', secure: true },
  plain_text: { display_name: 'Plain', type: 'text', required: true },
  auth_mode: { display_name: 'Mode', type: 'dropdown', options: ['jwt', 'shared-secret'], default_value: 'jwt' },
  radio_mode: { display_name: 'Mode', type: 'radio', options: ['shared-secret'] },
  bad_mode: { display_name: 'Mode', type: 'dropdown', options: ['jwt', 'basic'] },
  multi_mode: { display_name: 'Mode', type: 'multiselect', options: ['jwt'] },
};

/** A fresh valid manifest each call, so tests can mutate it. */
export function validManifest(): Record<string, unknown> {
  return {
    $schema: './schema/manifest.schema.json',
    app: { id: 'order-lookup', version: '1.0.0', name: 'Order lookup' },
    functions: {
      getOrder: { methods: ['GET'], scopes: ['orders:read'] },
      addNote: { methods: ['POST', 'PUT'], scopes: ['orders:write'], csrf: true },
    },
    customer: {
      baseUrl: '{{iparams.server_url}}',
      allowedHosts: ['*.orders.example.com', 'localhost:4100', '127.0.0.1:4100'],
      auth: { mode: '{{iparams.auth_mode}}', secretIparam: 'shared_secret', header: 'X-Tessera-Secret', alg: 'HS256', tokenLifetimeSec: 30 },
      timeoutMs: 5000,
      maxResponseBytes: 1048576,
    },
  };
}

/** A valid manifest with the value at a JSON path replaced (or removed when `value` is undefined). */
export function manifestWith(path: string, value: unknown): Record<string, unknown> {
  const manifest = validManifest();
  const keys = path.split('/').slice(1);
  const last = keys.pop() as string;
  let node = manifest as Record<string, unknown>;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  if (value === undefined) delete node[last];
  else node[last] = value;
  return manifest;
}
