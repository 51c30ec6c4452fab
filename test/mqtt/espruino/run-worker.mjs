// Runs one script on the real Espruino engine in a worker thread: runEspruino blocks its thread for
// the whole run, and the broker the script talks to lives on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { runEspruino } from '../../../tools/engines.mjs';

parentPort.postMessage(runEspruino(workerData.code, workerData.options));
