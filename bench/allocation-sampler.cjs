// Preloaded into the proxy by bench/allocation.ts --sample: V8's sampling heap profiler with the
// objects that scavenges and mark-compacts collected included (`--heap-prof` keeps only those
// still alive), from TRELLIS_SAMPLE_AFTER_MS for TRELLIS_SAMPLE_FOR_MS, written to TRELLIS_SAMPLE_OUT.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new inspector.Session();
session.connect();
const after = Number(process.env.TRELLIS_SAMPLE_AFTER_MS);
const duration = Number(process.env.TRELLIS_SAMPLE_FOR_MS);
setTimeout(() => {
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  setTimeout(() => {
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (!err) writeFileSync(process.env.TRELLIS_SAMPLE_OUT, JSON.stringify(result.profile));
    });
  }, duration).unref();
}, after).unref();
