/** `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run. */
import { benchColdInit } from './cold-init.js';
import { benchCustomerFaults } from './customer-faults.js';
import { benchInvocation } from './invocation.js';
import { benchLoadModel } from './load-model.js';
import { benchSsmFaults } from './ssm-faults.js';
import { benchSsmTrips } from './ssm-trips.js';
import { benchVerifierFleet } from './verifier-fleet.js';
import { benchVerifierPerRequest } from './verifier-per-request.js';
import { benchVerifier } from './verifier-throughput.js';
import { benchWsUpgrade } from './ws-upgrade.js';

// Benchmarks never reach AWS: the same fake environment the tests use.
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

async function main(): Promise<void> {
  const only = process.argv[2]?.startsWith('--') ? undefined : process.argv[2];
  // `--against REF`: cold init also builds the same function from that git revision, for a before/after in one run.
  const at = process.argv.indexOf('--against');
  const against = at > 0 ? process.argv[at + 1] : undefined;
  const results: Record<string, unknown> = {};
  if (!only || only === 'invocation') results.invocation = await benchInvocation();
  if (!only || only === 'cold-init') results.coldInit = await benchColdInit(15, against);
  if (!only || only === 'ssm') results.ssm = await benchSsmTrips();
  if (!only || only === 'ssm-faults') results.ssmFaults = await benchSsmFaults();
  if (!only || only === 'load-model') results.loadModel = await benchLoadModel();
  if (!only || only === 'customer-faults') results.customerFaults = await benchCustomerFaults();
  // `verifier` runs both verifier parts; `verifier-per-request` only the CPU part (seconds, not a minute of load).
  if (!only || only === 'verifier' || only === 'verifier-per-request') results.verifierPerRequest = await benchVerifierPerRequest();
  if (!only || only === 'verifier') results.verifier = await benchVerifier();
  if (!only || only === 'verifier-fleet') results.verifierFleet = await benchVerifierFleet();
  if (!only || only === 'ws') results.ws = await benchWsUpgrade();
  console.log(`\nsummary ${JSON.stringify(results)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
