/** The tier size check counts a rotation's previous value, and says so, before any request to SSM. */
import { SSMClient } from '@aws-sdk/client-ssm';
import { IparamValidationError } from '../../../../protocol/src/errors.js';
import { SsmIparamStore, type InstallationDocument } from '../../../src/iparams/index.js';

const SECRET = 'size-Secret-'.padEnd(2_100, 'x');
const PREVIOUS = 'size-Previous-'.padEnd(2_100, 'y');

function document(previous?: InstallationDocument['previous']): InstallationDocument {
  return {
    format: 1,
    installationId: 'acme',
    values: { shared_secret: SECRET },
    fields: {},
    installedAt: '',
    updatedAt: '',
    ...(previous ? { previous } : {}),
  };
}

describe('SsmIparamStore.put size check', () => {
  it('refuses a document over the tier limit because of a previous value, naming the field and why, and sends nothing', async () => {
    // Prepare
    const client = new SSMClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1 });
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = new SsmIparamStore({ client });
    // Act
    const err = (await store
      .put('order-lookup', 'acme', document({ shared_secret: { value: PREVIOUS, until: '2026-01-01T00:00:00.000Z', version: 1 } }))
      .catch((e: unknown) => e)) as IparamValidationError;
    // Assess
    expect(err).toBeInstanceOf(IparamValidationError);
    expect(err.code).toBe('ERR_IPARAM_INVALID');
    expect(err.issues[0]?.field).toBe('shared_secret');
    expect(err.issues[0]?.rule).toMatch(/including 1 previous value\(s\) kept for a rotation, over SSM's 4096-byte Standard tier limit/);
    expect(err.message).not.toContain('size-Secret');
    expect(err.message).not.toContain('size-Previous');
    expect(sent).toEqual([]);
  });
});
