/** One afterAll for proxy test files: stop processes and servers, remove temp dirs. */
import { stopAllProcesses } from './child-process';
import { removeTempDirs } from './temp-dir';
import { closeAllUpstreams } from './upstream';

export async function cleanupAll(): Promise<void> {
  await stopAllProcesses();
  await closeAllUpstreams();
  removeTempDirs();
}
