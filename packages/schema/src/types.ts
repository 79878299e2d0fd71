/** Typed models of `manifest.json` and `iparams.json` after validation. */

export type IparamType = 'text' | 'paragraph' | 'number' | 'email' | 'url' | 'dropdown' | 'multiselect' | 'radio' | 'checkbox' | 'date';

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

/** `cors`: who may call the functions from a browser (the matching rules: runtime's `compileCorsPolicy`). */
export interface ManifestCors {
  /**
   * Origins the frontend runs on: exact `scheme://host[:port]` (canonical, lower case, no default port, no path),
   * or a wildcard first label `https://*.example.com` that stands for exactly one DNS label on that scheme and port.
   * `*` alone allows every origin and is refused together with `allowCredentials`; `null` is always refused.
   */
  allowedOrigins: readonly string[];
  /** Send `Access-Control-Allow-Credentials: true` so the browser may send cookies. Default false. */
  allowCredentials?: boolean;
  /**
   * Request headers a preflight may ask for, case-insensitive. `*` is refused. Default
   * `['authorization', 'content-type', 'x-csrf-token']`: the session token, JSON bodies and the CSRF header.
   */
  allowedHeaders?: readonly string[];
  /** Response headers the frontend's script may read beyond the safelisted ones. `*` is refused. Default none. */
  exposedHeaders?: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds, 0 to 86,400. Default 600. */
  maxAgeSec?: number;
  /**
   * Whether an actual request without an `Origin` header is let through. Default true: browsers send `Origin` on
   * every cross-origin request, so a request without one is a server-to-server call (curl, a backend job) that CORS
   * has no say over; it still has to pass the session or Basic check. Set false to accept browser calls only.
   */
  allowNoOrigin?: boolean;
}

/** `session`: the product platform's session tokens; the audience is always the app id. */
export interface ManifestSession {
  /** The platform's JWKS URL: HTTPS (plain HTTP to loopback only offline). */
  jwksUrl: string;
  /** The `iss` every session carries. */
  issuer: string;
  /** Pinned algorithms. Default both, `["RS256", "ES256"]`. */
  algorithms?: readonly ('RS256' | 'ES256')[];
  /** Oldest `iat` and longest lifetime accepted, 1 to 3,600 s. Default 300. */
  maxTokenAgeSec?: number;
  /** Clock skew allowed, 0 to 60 s. Default 5. */
  clockToleranceSec?: number;
  /** The claim naming the installation. Default `installation_id`. */
  installationClaim?: string;
  /** The session's `typ` header. Default `tessera-session+jwt`. */
  typ?: string;
}

export interface Manifest {
  app: { id: string; version: string; name?: string };
  functions: Record<string, ManifestFunction>;
  customer: CustomerConnection;
  /** Cross-origin policy. Without it, no browser origin may call the functions. */
  cors?: ManifestCors;
  /** Session token settings. */
  session?: ManifestSession;
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
