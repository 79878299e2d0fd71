/** The `{{iparams.<name>}}` template grammar shared by manifest values such as `customer.baseUrl`. */
import { PARAMETER_NAME_SOURCE } from '@tessera/protocol';

const TEMPLATE = new RegExp(`^\\{\\{iparams\\.(${PARAMETER_NAME_SOURCE})\\}\\}(.*)$`, 's');

/**
 * Splits a `{{iparams.<name>}}` template (as in `customer.baseUrl` or `customer.auth.mode`) into the iparam name
 * and whatever follows it; undefined for a plain value.
 * @example
 * parseIparamsTemplate('{{iparams.server_url}}/api') // { iparam: 'server_url', rest: '/api' }
 */
export function parseIparamsTemplate(value: string): { iparam: string; rest: string } | undefined {
  const m = TEMPLATE.exec(value);
  return m ? { iparam: m[1] as string, rest: m[2] as string } : undefined;
}
