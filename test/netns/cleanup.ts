// `npx tsx test/netns/cleanup.ts`: removes what crashed lab runs left behind
// (namespaces and processes recorded in state files whose owner process is
// dead). Running labs of other test runs are never touched.
import { STATE_DIR, sweepStale } from './index.js';

const cleaned = sweepStale();
console.log(cleaned.length ? `cleaned ${cleaned.join(' ')}` : `nothing to clean in ${STATE_DIR}`);
