// Loaded into Node-RED (node --require) when npm start runs it as a child process with an IPC
// channel: however npm start ends, even killed outright, the channel closes, and Node-RED stops
// with it (SIGTERM to itself, so its flows stop as on Ctrl-C) instead of running on as an orphan.
if (typeof process.send === 'function' && process.channel) {
  // The channel only watches: it must not keep Node-RED alive, nor carry messages.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
