/**
 * The prebuilt .proto index the image ships (scripts/build.ts writes it beside the files): read
 * back, it answers exactly as a scan of the same files does, and a file that is not an index is
 * refused with its name.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envoyIncludeDirs, ProtoFileIndex, SCANNED_ROOTS } from '../../lib/envoy/proto-files';
import { removeTempDirs, tempDir } from '../support/temp-dir';

afterAll(() => removeTempDirs());

const TYPES = [
  'envoy.config.cluster.v3.Cluster',
  'envoy.config.cluster.v3.Cluster.CommonLbConfig',
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.service.discovery.v3.AggregatedDiscoveryService',
  'google.protobuf.Duration',
  'validate.FieldRules',
  'envoy.no.such.Type',
];

test('an index written as JSON and read back answers as the scan does', () => {
  const dirs = envoyIncludeDirs(undefined);
  const scanned = ProtoFileIndex.scan(dirs, SCANNED_ROOTS);
  const file = join(tempDir('trellis-proto-index-'), 'index.json');
  writeFileSync(file, JSON.stringify(scanned));
  const read = ProtoFileIndex.open(dirs, SCANNED_ROOTS, file);

  for (const t of TYPES) expect(read.fileOf(t)).toBe(scanned.fileOf(t));
  const files = scanned.loadableFiles();
  expect(files.length).toBeGreaterThan(400);
  expect(read.loadableFiles()).toEqual(files);
  for (const f of files.slice(0, 50)) expect(read.resolve(f)).toBe(scanned.resolve(f));
  // Files whose imports are not shipped stay unloadable, with the same reason.
  const all = Object.keys(scanned.toJSON().files);
  const unloadable = all.filter((f) => scanned.missingDependency(f));
  expect(unloadable.length).toBeGreaterThan(0);
  for (const f of unloadable) expect(read.missingDependency(f)).toBe(scanned.missingDependency(f));
});

test('a missing index falls back to a scan; a file that is not an index is refused by name', () => {
  const dirs = envoyIncludeDirs(undefined);
  const dir = tempDir('trellis-proto-index-');
  expect(ProtoFileIndex.open(dirs, SCANNED_ROOTS, join(dir, 'absent.json')).fileOf(TYPES[0])).toBe(
    'envoy/config/cluster/v3/cluster.proto',
  );
  const bad = join(dir, 'index.json');
  writeFileSync(bad, JSON.stringify({ format: 'something-else' }));
  expect(() => ProtoFileIndex.open(dirs, SCANNED_ROOTS, bad)).toThrow(`${bad}: format: not a trellis-proto-index/1`);
});
