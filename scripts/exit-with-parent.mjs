// Preloaded (`node --import`) into the web app and the worker that scripts/start.ts starts, each
// with an IPC channel to it. When the channel closes because start.ts is gone — even killed with
// SIGKILL, which it cannot pass on — this process stops as on SIGTERM, so none is left running.
// Forked children inherit the preload and a channel to their own parent, so the chain holds.
if (typeof process.send === "function") {
  const parentGone = () => {
    process.kill(process.pid, "SIGTERM");
    setTimeout(() => process.exit(1), 30_000).unref();
  };
  // The channel must not keep an otherwise finished process alive.
  process.channel?.unref();
  // A parent that died while this process was still starting has closed the channel already.
  if (process.connected) process.once("disconnect", parentGone);
  else parentGone();
}
