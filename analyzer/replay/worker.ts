/** A replay worker thread (see pool.ts): rebuilds the shared timeline, then replays requests. */
import { parentPort, workerData } from 'node:worker_threads';
import {
  type FromWorker,
  type SharedTimeline,
  type ToWorker,
  runRequest,
  transferList,
  unshareTimeline,
} from './pool.js';

const prepared = unshareTimeline(workerData as SharedTimeline);
const port = parentPort;
if (port === null) throw new Error('replay worker: not started as a worker thread');
port.on('message', (msg: ToWorker) => {
  let reply: FromWorker;
  try {
    const outcome = runRequest(prepared, msg.request);
    reply = { id: msg.id, outcome };
    port.postMessage(reply, transferList(outcome));
  } catch (e) {
    reply = { id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    port.postMessage(reply);
  }
});
