// The reaper: a tiny watchdog `trellis up` starts first. It learns every process group the
// runtime starts (over IPC) and, when the runtime goes away without stopping them (killed
// with SIGKILL, crashed), kills those groups so nothing is left running. Plain JS and
// dependency-free so it starts in milliseconds.

const groups = new Set();

function killAll(signal) {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // Already gone.
    }
  }
}

process.on('message', (m) => {
  if (m && typeof m.add === 'number') groups.add(m.add);
  if (m && typeof m.remove === 'number') groups.delete(m.remove);
  if (m?.done) {
    groups.clear();
    process.disconnect();
  }
});

process.on('disconnect', () => {
  if (groups.size === 0) process.exit(0);
  killAll('SIGTERM');
  setTimeout(() => {
    killAll('SIGKILL');
    process.exit(0);
  }, 3000);
});

// The terminal's Ctrl-C reaches the whole foreground group; the reaper outlives it on purpose.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
