/** An in-memory IparamStore for runtime unit tests: the named installations exist, every read is recorded. */
import type { IparamStore } from '../../../src/iparams/index.js';

export function storeFor(ids: string[], extra: Record<string, string> = {}): { store: IparamStore; read: string[] } {
  const read: string[] = [];
  const store: IparamStore = {
    async get(_a, id) {
      read.push(id);
      if (!ids.includes(id)) return undefined;
      const values = { server_url: `https://${id}.orders.example.com`, shared_secret: 's'.repeat(43), ...extra };
      return { version: 1, document: { format: 1, installationId: id, values, fields: {}, installedAt: '', updatedAt: '' } };
    },
    put: async () => ({ version: 1 }),
    delete: async () => true,
  };
  return { store, read };
}
