/**
 * A local Cosmos server in a process of its own, for the crash test: prints its endpoint as one
 * JSON line and runs until killed.
 */
import { startLocalCosmos } from '../../../../src/local/cosmos/local-cosmos-server';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: cosmos-server.child.ts <dataDir>');
startLocalCosmos({ dataDir }).then(
  (cosmos) => {
    process.stdout.write(`${JSON.stringify({ endpoint: cosmos.endpoint })}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
