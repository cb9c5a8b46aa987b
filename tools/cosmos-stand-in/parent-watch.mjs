// Exits this process when the process that started it is gone, so a cancelled or crashed test run leaves no orphan.
// Two signals, because either alone can miss: the parent PID stops existing (kill 0 fails), or this process was
// re-parented (its ppid changed) while the dead parent lingers as a zombie.

/** Polls the parent every intervalMs and exits with code 0 once it has died. */
export function watchParent(parentPid, intervalMs = 500) {
  const originalPpid = process.ppid;
  const timer = setInterval(() => {
    let alive = true;
    try {
      process.kill(parentPid, 0);
    } catch (err) {
      alive = err.code === "EPERM";
    }
    if (!alive || (originalPpid === parentPid && process.ppid !== parentPid)) {
      process.exit(0);
    }
  }, intervalMs);
  timer.unref();
}
