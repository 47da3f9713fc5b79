import type { CameraView } from "../../cameras/camera-view.ts";
import type { PtzCapabilities } from "../../media/ptz-control.ts";
import type { StreamUrls } from "../../media/stream-urls.ts";
import { CopyField, LiveView, RpcButton, StatusBadge } from "../components.tsx";
import { type AssetUrls, can, Page, type Viewer } from "../layout.tsx";

export interface GridCamera {
  view: CameraView;
  source: string;
  streamable: boolean;
}

export function GridPage(props: { viewer: Viewer; assets: AssetUrls; cameras: GridCamera[] }) {
  const { viewer } = props;
  return (
    <Page title="Cameras" viewer={viewer} assets={props.assets} current="/">
      {props.cameras.length === 0 ? (
        <p class="empty">
          No cameras yet. Plug in a USB camera
          {can(viewer, "operator") ? (
            <>
              {" "}
              or <a href="/cameras/add">add a network camera</a>
            </>
          ) : null}
          .
        </p>
      ) : (
        <ul class="grid">
          {props.cameras.map(({ view, source, streamable }) => (
            <li class="card" data-camera={view.device}>
              <LiveView device={view.device} name={view.name} streamable={streamable} />
              <div class="card-title">
                <a href={`/cameras/${view.device}`}>{view.name}</a>
                <StatusBadge device={view.device} status={view.status} />
              </div>
              <p class="meta">
                {view.device} · {source} · {view.resolution} @ {view.fps} fps
              </p>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

export interface CameraDetails extends GridCamera {
  formats: string[];
  resolutions: string[];
  urls: StreamUrls | undefined;
  recording: boolean;
  ptz: PtzCapabilities;
  error: string | undefined;
}

export function CameraPage(props: { viewer: Viewer; assets: AssetUrls; camera: CameraDetails }) {
  const { viewer } = props;
  const { view, ptz } = props.camera;
  const device = { device: view.device };
  const operator = can(viewer, "operator");
  return (
    <Page title={view.name} viewer={viewer} assets={props.assets} current="">
      <div class="camera-layout">
        <section aria-label="Live view">
          <LiveView device={view.device} name={view.name} streamable={props.camera.streamable} />
          {operator ? (
            <div class="actions">
              <RpcButton method="take_snapshot" params={device} label="Take snapshot" />
              {props.camera.recording ? (
                <RpcButton
                  method="stop_recording"
                  params={device}
                  label="Stop recording"
                  kind="danger"
                  after="reload"
                />
              ) : (
                <RpcButton
                  method="start_recording"
                  params={device}
                  label="Start recording"
                  kind="primary"
                  after="reload"
                />
              )}
            </div>
          ) : null}
          {operator && ptz.ptz ? <PtzPad device={view.device} ptz={ptz} /> : null}
        </section>
        <section aria-label="Details">
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge device={view.device} status={view.status} />
              {props.camera.error ? <span class="error-text"> {props.camera.error}</span> : null}
            </dd>
            <dt>Id</dt>
            <dd>{view.device}</dd>
            <dt>Source</dt>
            <dd>{props.camera.source}</dd>
            <dt>Mode</dt>
            <dd>
              {view.resolution} @ {view.fps} fps
            </dd>
            <dt>Formats</dt>
            <dd>{props.camera.formats.join(", ") || "not known yet"}</dd>
            <dt>Sizes</dt>
            <dd>{props.camera.resolutions.join(", ") || "not known yet"}</dd>
            <dt>Recording</dt>
            <dd>{props.camera.recording ? "yes" : "no"}</dd>
          </dl>
          {props.camera.urls ? (
            <div class="urls">
              <h2>Stream URLs</h2>
              <p class="hint">Players sign in with an API key or JWT as the password.</p>
              <CopyField label="RTSP" value={props.camera.urls.rtsp} />
              <CopyField label="HLS" value={props.camera.urls.hls} />
              <CopyField label="WebRTC (WHEP)" value={props.camera.urls.webrtc} />
            </div>
          ) : null}
          {operator ? (
            <div class="settings">
              <h2>Settings</h2>
              <form data-rpc="update_camera" data-after="reload">
                <input type="hidden" name="device" value={view.device} />
                <label for="camera-name">Name</label>
                <input id="camera-name" name="name" value={view.name} maxlength={64} required />
                <button type="submit">Rename</button>
              </form>
              {props.camera.source !== "usb" ? (
                <RpcButton
                  method="remove_camera"
                  params={device}
                  label="Remove camera"
                  kind="danger"
                  after="home"
                  confirm={`Remove ${view.name}? Its recordings stay.`}
                />
              ) : null}
            </div>
          ) : null}
          <p>
            <a href={`/recordings?camera=${view.device}`}>
              Recordings and snapshots of this camera
            </a>
          </p>
        </section>
      </div>
    </Page>
  );
}

/** One direction of the pad: half speed, as a continuous move. */
function Move(props: { label: string; pan?: number; tilt?: number; zoom?: number }) {
  const speeds = { pan: props.pan ?? 0, tilt: props.tilt ?? 0, zoom: props.zoom ?? 0 };
  return (
    <button type="button" data-move={JSON.stringify(speeds)}>
      {props.label}
    </button>
  );
}

/** Press and hold to move (continuous, with a timeout so a lost release still stops it). */
function PtzPad(props: { device: string; ptz: PtzCapabilities }) {
  const continuous = props.ptz.moves.includes("continuous");
  return (
    <div class="ptz" data-ptz={props.device}>
      <h2>Pan, tilt, zoom</h2>
      {continuous ? (
        <div class="pad">
          <span />
          <Move label="Up" tilt={0.5} />
          <span />
          <Move label="Left" pan={-0.5} />
          <RpcButton method="ptz_stop" params={{ device: props.device }} label="Stop" />
          <Move label="Right" pan={0.5} />
          {props.ptz.home ? (
            <RpcButton method="ptz_home" params={{ device: props.device }} label="Home" />
          ) : (
            <span />
          )}
          <Move label="Down" tilt={-0.5} />
          <span />
          <Move label="Zoom out" zoom={-0.5} />
          <span />
          <Move label="Zoom in" zoom={0.5} />
        </div>
      ) : (
        <p class="hint">This camera takes no continuous moves.</p>
      )}
      {props.ptz.presets ? (
        <div class="presets">
          <h3>Presets</h3>
          <ul data-presets={props.device}></ul>
          <form data-rpc="set_ptz_preset" data-after="presets">
            <input type="hidden" name="device" value={props.device} />
            <label for="preset-name">Save the current position as</label>
            <input id="preset-name" name="name" maxlength={64} required />
            <button type="submit">Save preset</button>
          </form>
        </div>
      ) : null}
    </div>
  );
}

export function AddCameraPage(props: { viewer: Viewer; assets: AssetUrls }) {
  return (
    <Page
      title="Add a network camera"
      viewer={props.viewer}
      assets={props.assets}
      current="/cameras/add"
    >
      <section>
        <h2>On this network</h2>
        <p class="hint">ONVIF cameras answer a WS-Discovery probe within a few seconds.</p>
        <button type="button" data-discover>
          Search for cameras
        </button>
        <ul class="discovered" data-discovered></ul>
      </section>
      <section>
        <h2>By address</h2>
        <form data-rpc="add_camera" data-after="camera" class="add-camera">
          <fieldset>
            <legend>Where</legend>
            <label for="onvif-address">ONVIF address (host or http://host:port)</label>
            <input
              id="onvif-address"
              name="onvif_address"
              placeholder="192.168.1.64"
              maxlength={512}
            />
            <label for="rtsp-url">or RTSP URL</label>
            <input
              id="rtsp-url"
              name="rtsp_url"
              placeholder="rtsp://192.168.1.64/stream1"
              maxlength={2048}
            />
          </fieldset>
          <fieldset>
            <legend>Login (if the camera asks for one)</legend>
            <label for="username">Username</label>
            <input id="username" name="username" autocomplete="off" maxlength={128} />
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="new-password"
              maxlength={128}
            />
          </fieldset>
          <label for="name">Name (optional)</label>
          <input id="name" name="name" maxlength={64} />
          <button type="submit" class="primary">
            Add camera
          </button>
        </form>
      </section>
    </Page>
  );
}
