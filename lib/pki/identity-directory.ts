/**
 * Writes a workload's identity (cert.pem, key.pem, ca.pem) into a directory so a watching proxy
 * never reads a mix of old and new files: each version goes into its own hidden directory, a
 * `..data` symlink is swapped to it with one rename (atomic), and the three names are symlinks
 * through `..data`. This is the layout Kubernetes uses for projected secrets, which Envoy's
 * `watched_directory` was designed for.
 */
import { mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IdentityFiles {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

export const IDENTITY_FILES = { cert: 'cert.pem', key: 'key.pem', ca: 'ca.pem' } as const;

let counter = 0;

export function writeIdentityDirectory(dir: string, files: IdentityFiles): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const version = `..${Date.now()}_${process.pid}_${++counter}`;
  const vdir = join(dir, version);
  mkdirSync(vdir, { mode: 0o700 });
  writeFileSync(join(vdir, IDENTITY_FILES.cert), files.certPem, { mode: 0o644 });
  writeFileSync(join(vdir, IDENTITY_FILES.key), files.keyPem, { mode: 0o600 });
  writeFileSync(join(vdir, IDENTITY_FILES.ca), files.caPem, { mode: 0o644 });
  let previous: string | undefined;
  try {
    previous = readlinkSync(join(dir, '..data'));
  } catch {
    previous = undefined;
  }
  const tmp = join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(version, tmp);
  renameSync(tmp, join(dir, '..data'));
  for (const name of Object.values(IDENTITY_FILES)) {
    const link = join(dir, name);
    try {
      if (readlinkSync(link) === join('..data', name)) continue;
    } catch {
      // Not a symlink yet (first write).
    }
    const t = `${link}.tmp`;
    rmSync(t, { force: true });
    symlinkSync(join('..data', name), t);
    renameSync(t, link);
  }
  // Old versions go after the swap; a reader holding an open file keeps its inode.
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..') && e !== '..data' && e !== version && e !== previous)
      rmSync(join(dir, e), { recursive: true, force: true });
  }
  if (previous && previous !== version) rmSync(join(dir, previous), { recursive: true, force: true });
}
