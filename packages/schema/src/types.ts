/** Typed models of `manifest.json` and `iparams.json` after validation. */

export type IparamType =
  | 'text'
  | 'paragraph'
  | 'number'
  | 'email'
  | 'url'
  | 'dropdown'
  | 'multiselect'
  | 'radio'
  | 'checkbox'
  | 'date';

/** One field of `iparams.json`. */
export interface IparamField {
  display_name: string;
  description?: string;
  type: IparamType;
  required?: boolean;
  /** Only on text/paragraph; a secure field has no default and is stored encrypted, never shown. */
  secure?: boolean;
  default_value?: IparamValue;
  /** dropdown / radio / multiselect choices. */
  options?: string[];
  /** Anchored JavaScript regex source the value must match (text, paragraph, email, url). */
  regex?: string;
  /** Message shown when `regex` does not match; must not echo the value. */
  regex_error_message?: string;
  /** Minimum: characters for text/paragraph, value for number, selections for multiselect. */
  min?: number;
  /** Maximum: characters for text/paragraph, value for number, selections for multiselect. */
  max?: number;
}

/** `iparams.json`: field name (`[A-Za-z0-9_]{1,64}`) to field. */
export type IparamsSchema = Record<string, IparamField>;

export type IparamValue = string | number | boolean | string[];
export type IparamValues = Record<string, IparamValue>;

export type AuthMode = 'shared-secret' | 'jwt';
export type OutboundAlg = 'HS256' | 'ES256' | 'EdDSA';

/** How outbound calls prove themselves to the customer's server. */
export interface CustomerAuth {
  /** `shared-secret`, `jwt`, or `{{iparams.<name>}}` to let the installer choose. */
  mode: AuthMode | string;
  /** The iparam holding the shared secret (secure text). */
  secretIparam: string;
  /** Header for shared-secret mode. Default `X-Tessera-Secret`. */
  header?: string;
  /** JWT algorithm. Default `HS256`. */
  alg?: OutboundAlg;
  /** JWT lifetime. Default 30 s, at most 300 s. */
  tokenLifetimeSec?: number;
}

/** The customer's server as the manifest declares it. */
export interface CustomerConnection {
  /** Base URL, usually a template such as `{{iparams.server_url}}`. */
  baseUrl: string;
  /** Host patterns calls may reach: `api.example.com`, `*.example.com` (one label), optionally `:port`. */
  allowedHosts: string[];
  auth: CustomerAuth;
  /** Per-call timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Largest response body accepted. Default 1 MiB. */
  maxResponseBytes?: number;
}

/** A function the frontend may invoke. */
export interface ManifestFunction {
  methods: string[];
  /** Scopes the session must carry. */
  scopes?: string[];
  /** Require a CSRF token (functions reached with cookies or Basic credentials). */
  csrf?: boolean;
  /** What a caller may present: the session token, HTTP Basic, or both. Default `["session"]`. */
  credentials?: InboundCredential[];
}

/** A credential a function accepts from its caller. */
export type InboundCredential = 'session' | 'basic';

/** HTTP Basic for server-to-server callers: the user is the installation id, the password that installation's iparam. */
export interface ManifestBasic {
  /** A secure iparam holding the installation's Basic password. */
  passwordIparam: string;
  /** Sent in `WWW-Authenticate`. Default the app id. */
  realm?: string;
}

export interface Manifest {
  app: { id: string; version: string; name?: string };
  functions: Record<string, ManifestFunction>;
  customer: CustomerConnection;
  /** Cross-origin policy; shape checked by a later version. */
  cors?: Record<string, unknown>;
  /** Session token settings; shape checked by a later version. */
  session?: Record<string, unknown>;
  /** HTTP Basic for functions whose `credentials` include `basic`. */
  basic?: ManifestBasic;
  /** Product platform settings; shape checked by a later version. */
  platform?: Record<string, unknown>;
}

/** One problem in a project file: the file, the JSON path (`/customer/auth/mode`, root `/`) and the rule broken. */
export interface ConfigIssue {
  file: string;
  field: string;
  rule: string;
}

/** A project's validated configuration. */
export interface Project {
  manifest: Manifest;
  iparams: IparamsSchema;
}
