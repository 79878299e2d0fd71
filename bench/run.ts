/** `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run. */
import { benchInvocation } from './invocation.js';

async function main(): Promise<void> {
  const only = process.argv[2];
  const results: Record<string, unknown> = {};
  if (!only || only === 'invocation') results.invocation = await benchInvocation();
  console.log('\nsummary ' + JSON.stringify(results));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
