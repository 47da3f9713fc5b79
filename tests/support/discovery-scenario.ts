// Run inside a network namespace with multicast on lo (tests/integration/onvif-discovery.test.ts):
// two simulated ONVIF cameras and a device answering garbage on the WS-Discovery port, an
// agent with background discovery on; prints what a client of the agent saw, as JSON.
import { createSocket } from "node:dgram";
import { OnvifSimulator } from "./onvif-simulator.ts";
import { RpcClient } from "./rpc-client.ts";
import { startTestAgent } from "./test-agent.ts";

const login = { username: "admin", password: "pw" };
const cameras = [1, 2].map((n) =>
  new OnvifSimulator({
    ...login,
    streamUris: { main: `rtsp://127.0.0.1:1/cam${n}` },
    snapshot: new Uint8Array([0xff, 0xd8]),
  }).start(),
);
const agent = await startTestAgent({
  discovery: {
    usb: { enabled: false },
    onvif: { enabled: true, interval: "1h", probe_timeout: "1s", interface: "lo" },
  },
});
const operator = await RpcClient.connect(agent.wsUrl);
await operator.authenticate(agent.token("operator"));
await operator.result("subscribe_events", { topics: ["camera.discovered"] });
// The cameras answer from now on: whatever the background probe at start saw, every
// announcement comes after the subscription.
await cameras[0]?.answerDiscovery("urn:uuid:00000000-0000-0000-0000-000000000001", [
  "onvif://www.onvif.org/type/video_encoder",
  "onvif://www.onvif.org/name/Simulated%20Vision",
  "onvif://www.onvif.org/hardware/PTZ-1000",
  "onvif://www.onvif.org/location/gate",
]);
await cameras[1]?.answerDiscovery("urn:uuid:00000000-0000-0000-0000-000000000002", [
  "onvif://www.onvif.org/name/Other",
  "onvif://www.onvif.org/hardware/BOX-7",
]);
// Something else on the port that answers every probe with garbage.
const stray = createSocket({ type: "udp4", reuseAddr: true });
stray.on("message", (_message, sender) => stray.send("<not soap", sender.port, sender.address));
await new Promise<void>((resolve) => stray.bind(3702, resolve));
stray.addMembership("239.255.255.250");

const first = cameras[0] as OnvifSimulator;
await operator.result("add_camera", { onvif_address: `127.0.0.1:${first.port}`, ...login });
const found = await operator.result("discover_cameras");
// Each camera is announced once, by whichever probe saw it first (the background one at start).
await Bun.sleep(200);
const announced = operator
  .drainInbox()
  .filter((message) => (message as { method?: string }).method === "camera.discovered");
const viewer = await RpcClient.connect(agent.wsUrl);
await viewer.authenticate(agent.token("viewer"));
const denied = await viewer.call("discover_cameras");
console.log(
  JSON.stringify({
    found,
    announced,
    viewerError: denied.error?.code,
    ports: cameras.map((camera) => camera.port),
  }),
);
await operator.close();
await viewer.close();
await agent.stop();
for (const camera of cameras) camera.stop();
stray.close();
