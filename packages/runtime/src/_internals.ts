/**
 * What an app lends the parts built on it outside `createApp` (the install page), under a registered symbol: the
 * published package bundles each subpath apart, and `Symbol.for` is the same symbol in every copy.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '@tessera/protocol/log';
import type { Manifest } from '@tessera/schema';
import type { CsrfGuard } from './inbound/index.js';
import type { IparamStore } from './iparams/index.js';

export type { App, LambdaHandler } from './define-function.js';

export const APP_INTERNALS: unique symbol = Symbol.for('tessera.runtime.app-internals') as never;

/** A caller proved by a platform session, never by Basic or the offline header. */
export interface SessionCaller {
  installationId: string;
  subject: string;
  csrfBinding: string;
}

export interface AppInternals {
  manifest: Manifest;
  store: IparamStore;
  logger: Logger;
  now: () => number;
  /**
   * A check of the platform session with `scopes`, built once (it throws the inbound refusals). Undefined when the
   * app has no session section.
   */
  sessionAuthenticator: ((scopes: readonly string[]) => (event: APIGatewayProxyEventV2) => Promise<SessionCaller>) | undefined;
  /** The request body parsed as JSON, as a function's `request.json()` reads it, refused past `maxBytes`. */
  readJsonBody(event: APIGatewayProxyEventV2, maxBytes: number): unknown;
  csrfGuard(): CsrfGuard;
  /** Marks answers for the offline proxy when offline. */
  answerWith(
    invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
  ): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  /** A refusal or failure as the app's functions answer it, logged once. */
  fail(name: string, err: unknown, headers: Record<string, string>): APIGatewayProxyStructuredResultV2;
}
