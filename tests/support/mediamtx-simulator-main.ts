// The MediaMTX API simulator as a program of its own, for a machine with no bun: the image
// boot test compiles it and runs it in the guest, so the guest's agent configures paths as
// it would against MediaMTX. Usage: mediamtx-simulator [PORT]   (default 9997, loopback)
// Prints one line when it listens and one per refused request ("violation: …").
import { MediaMtxSimulator } from "./mediamtx-simulator.ts";

const port = Number(process.argv[2] ?? 9997);
const simulator = new MediaMtxSimulator({
  port,
  onViolation: (violation) => console.log(`violation: ${JSON.stringify(violation)}`),
}).start();
console.log(`mediamtx-simulator listening on ${simulator.url}`);
