/** An in-memory KeyStore for unit tests: stores the serialised text as SSM would, counts reads, can fail on demand. */
import { StoreError, TesseraError } from '../../../../protocol/src/errors.js';
import { signingKeysParameterName, type KeyStore, type KeySetDocument, type StoredKeySet } from '../../../src/keys/index.js';
import { parseKeySetDocument } from '../../../src/keys/_document.js';

export class MemoryKeyStore implements KeyStore {
  text: string | undefined;
  version = 0;
  gets = 0;
  failNext = 0;

  async get(appId: string): Promise<StoredKeySet | undefined> {
    this.gets++;
    await new Promise((r) => setImmediate(r));
    if (this.failNext > 0) {
      this.failNext--;
      throw new StoreError('ERR_STORE_UNAVAILABLE', { cause: { name: 'ThrottlingException' } });
    }
    if (this.text === undefined) return undefined;
    return { document: parseKeySetDocument(this.text, signingKeysParameterName(appId)), version: this.version };
  }

  async put(_appId: string, document: KeySetDocument, options: { createOnly: boolean }): Promise<{ version: number }> {
    if (options.createOnly && this.text !== undefined) throw new TesseraError('ERR_KEYS_CONFLICT');
    this.text = JSON.stringify(document);
    return { version: ++this.version };
  }

  /** The private `d` members now stored, to prove they appear nowhere else. */
  privateParts(): string[] {
    return this.text === undefined ? [] : (JSON.parse(this.text) as KeySetDocument).keys.map((k) => k.privateJwk.d);
  }
}
