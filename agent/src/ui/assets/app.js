// The dashboard's one script, served as it is (no build step, no dependencies). It talks to the
// agent the way every client does — JSON-RPC 2.0 on the WebSocket API — signed in by the page's
// session cookie plus its anti-CSRF token, so roles and checks are the API's own. Behaviour is
// attached by data- attributes the server renders: data-live (player), data-status-for (live
// badge), data-rpc (a call on click or submit), data-copy, data-move (PTZ), data-discover.

const body = document.body;
const csrf = body.dataset.csrf ?? "";
const notice = document.getElementById("notice");

/** Shows a short message in the page's status line (errors stay until the next one). */
function say(text, isError = false) {
  if (!notice) return;
  notice.textContent = text;
  notice.hidden = false;
  notice.classList.toggle("error", isError);
  clearTimeout(say.timer);
  if (!isError) say.timer = setTimeout(() => (notice.hidden = true), 5000);
}

/** JSON-RPC over the agent's WebSocket; reconnects with backoff; notifications by method. */
class Rpc {
  constructor(path) {
    this.path = path;
    this.pending = new Map();
    this.listeners = new Map();
    this.sequence = 0;
    this.delay = 1000;
    this.openListeners = [];
    this.open();
  }

  open() {
    const url = new URL(`${this.path}?csrf=${encodeURIComponent(csrf)}`, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    this.socket = new Promise((resolve) => {
      socket.addEventListener("open", () => {
        this.delay = 1000;
        resolve(socket);
        for (const listener of this.openListeners) listener();
      });
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", (event) => {
      for (const { reject } of this.pending.values()) reject(new Error("connection lost"));
      this.pending.clear();
      // 1008: signed out (here or in another tab), or the session is gone (the agent
      // restarted) and the socket was never signed in: back to the sign-in page.
      if (event.code === 1008) return signIn();
      setTimeout(() => this.open(), this.delay);
      this.delay = Math.min(this.delay * 2, 10_000);
    });
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.id === undefined) {
      for (const listener of this.listeners.get(message.method) ?? []) listener(message.params);
      return;
    }
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.error) {
      const error = new Error(message.error.data?.details ?? message.error.message);
      error.code = message.error.code;
      waiting.reject(error);
    } else waiting.resolve(message.result);
  }

  async call(method, params = {}) {
    const socket = await this.socket;
    const id = ++this.sequence;
    const answer = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    try {
      return await answer;
    } catch (error) {
      // The session ended (expired, key revoked): sign in again.
      if (error.code === -32001) signIn();
      throw error;
    }
  }

  on(method, listener) {
    this.listeners.set(method, [...(this.listeners.get(method) ?? []), listener]);
  }

  /** `listener` runs each time the socket opens: first, and after every reconnect. */
  onOpen(listener) {
    this.openListeners.push(listener);
  }
}

function signIn() {
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

const rpc = body.dataset.ws ? new Rpc(body.dataset.ws) : undefined;

// Status badges follow the agent's camera_status_update notifications.
function showStatus(camera) {
  const badges = document.querySelectorAll(`[data-status-for="${CSS.escape(camera.device)}"]`);
  for (const badge of badges) {
    badge.textContent = camera.status;
    badge.className = `badge ${camera.status.toLowerCase()}`;
  }
  // A camera the grid does not show yet: show it.
  if (badges.length === 0 && document.querySelector(".grid, .empty")) reloadSoon();
}
rpc?.on("camera_status_update", showStatus);
// A notification reaches only an open socket: what changed between the page's rendering and
// its socket opening, or while the socket was reconnecting, is read from the camera list.
rpc?.onOpen(async () => {
  let cameras;
  try {
    ({ cameras } = await rpc.call("get_camera_list", {}));
  } catch {
    return; // the socket closed again: its next open reads the list
  }
  for (const camera of cameras) showStatus(camera);
  // A camera the page shows that the agent no longer has: the page is out of date.
  const known = new Set(cameras.map((camera) => camera.device));
  for (const badge of document.querySelectorAll(".grid [data-status-for]")) {
    if (!known.has(badge.dataset.statusFor)) reloadSoon();
  }
});
rpc?.on("recording_status_update", (event) => {
  say(`${event.device}: recording ${event.status === "RECORDING" ? "started" : "stopped"}`);
});

function reloadSoon() {
  clearTimeout(reloadSoon.timer);
  reloadSoon.timer = setTimeout(() => location.reload(), 500);
}

// ---- Live video: WebRTC (WHEP) → HLS → refreshed stills ----

const WEBRTC_WAIT_MS = 8000;
const HLS_WAIT_MS = 10_000;
const STILL_EVERY_MS = 2000;

function firstFrame(video, waitMs) {
  return new Promise((resolve) => {
    const done = (ok) => {
      clearTimeout(timer);
      video.removeEventListener("loadeddata", onData);
      video.removeEventListener("error", onError);
      resolve(ok);
    };
    const onData = () => done(true);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), waitMs);
    if (video.readyState >= 2) done(true);
    else {
      video.addEventListener("loadeddata", onData);
      video.addEventListener("error", onError);
    }
  });
}

async function webrtc(id, video) {
  if (typeof RTCPeerConnection !== "function") return undefined;
  const pc = new RTCPeerConnection();
  let session;
  const close = () => {
    pc.close();
    if (session)
      fetch(session, {
        method: "DELETE",
        headers: { "X-CSRF-Token": csrf },
        keepalive: true,
      }).catch(() => {});
  };
  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addEventListener("track", (event) => {
      video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") resolve();
      });
      setTimeout(resolve, 2000);
    });
    const answer = await fetch(`/ui/live/${encodeURIComponent(id)}/whep`, {
      method: "POST",
      headers: { "Content-Type": "application/sdp", "X-CSRF-Token": csrf },
      body: pc.localDescription.sdp,
    });
    if (answer.status !== 201) {
      close();
      return undefined;
    }
    session = answer.headers.get("location") ?? undefined;
    await pc.setRemoteDescription({ type: "answer", sdp: await answer.text() });
    if (!(await firstFrame(video, WEBRTC_WAIT_MS))) {
      close();
      video.srcObject = null;
      return undefined;
    }
    return {
      close,
      failed: (onFail) =>
        pc.addEventListener("connectionstatechange", () => {
          if (pc.connectionState === "failed" || pc.connectionState === "closed") onFail();
        }),
    };
  } catch {
    close();
    return undefined;
  }
}

async function hls(id, video) {
  if (!video.canPlayType("application/vnd.apple.mpegurl")) return undefined;
  video.src = `/ui/live/${encodeURIComponent(id)}/hls/index.m3u8`;
  if (await firstFrame(video, HLS_WAIT_MS)) {
    return {
      close: () => video.removeAttribute("src"),
      failed: (onFail) => video.addEventListener("error", onFail, { once: true }),
    };
  }
  video.removeAttribute("src");
  video.load();
  return undefined;
}

function stills(id, img) {
  let timer;
  let stopped = false;
  const next = () => {
    if (stopped) return;
    if (document.hidden) {
      timer = setTimeout(next, STILL_EVERY_MS);
      return;
    }
    const url = `/ui/live/${encodeURIComponent(id)}/still.jpg?t=${Date.now()}`;
    const probe = new Image();
    probe.onload = () => {
      img.src = probe.src;
      img.hidden = false;
      timer = setTimeout(next, STILL_EVERY_MS);
    };
    probe.onerror = () => {
      timer = setTimeout(next, STILL_EVERY_MS * 3);
    };
    probe.src = url;
  };
  next();
  const close = () => {
    stopped = true;
    clearTimeout(timer);
  };
  return { close, failed: () => {} };
}

async function play(container) {
  const id = container.dataset.live;
  const video = container.querySelector("video");
  const img = container.querySelector("img");
  const label = container.querySelector(".live-mode");
  const show = (mode) => {
    container.dataset.mode = mode;
    label.textContent = mode;
    video.hidden = mode === "stills";
  };
  let player = await webrtc(id, video);
  if (player) show("WebRTC");
  else {
    player = await hls(id, video);
    if (player) show("HLS");
    else {
      player = stills(id, img);
      show("stills");
    }
  }
  video.play?.().catch(() => {});
  // A stream that drops starts over from the top after a pause (the camera may be back).
  player.failed(() => {
    player.close();
    show("reconnecting");
    setTimeout(() => play(container), 3000);
  });
  addEventListener("pagehide", () => player.close(), { once: true });
}

// A player starts when its card scrolls into view: a grid of many cameras on a phone decodes
// (and makes MediaMTX send) only what is on screen, and the first ones start sooner.
const startWhenSeen = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    startWhenSeen.unobserve(entry.target);
    play(entry.target);
  }
});
for (const container of document.querySelectorAll("[data-live]")) startWhenSeen.observe(container);

// ---- Actions ----

/** A form's fields as call parameters: empty fields left out, numbers and checkboxes typed. */
function paramsOf(form) {
  const params = {};
  for (const field of form.elements) {
    if (!field.name) continue;
    if (field.type === "checkbox") params[field.name] = field.checked;
    else if (field.value.trim() === "") continue;
    else if (field.type === "number") params[field.name] = Number(field.value);
    else params[field.name] = field.value.trim();
  }
  return params;
}

async function run(method, params, then, control) {
  control.disabled = true;
  try {
    const result = await rpc.call(method, params);
    after(then, result, method);
  } catch (error) {
    say(`${method}: ${error.message}`, true);
  } finally {
    control.disabled = false;
  }
}

function after(then, result, method) {
  if (then === "reload") return location.reload();
  if (then === "home") return location.assign("/");
  if (then === "camera") return location.assign(`/cameras/${encodeURIComponent(result.device)}`);
  if (then === "key") return showKey(result);
  if (then === "presets") return loadPresets();
  say(result?.filename ? `Saved ${result.filename}` : `${method}: done`);
}

function showKey(result) {
  const box = document.querySelector("[data-new-key]");
  const field = document.getElementById("new-key-value");
  field.value = result.key;
  box.hidden = false;
  field.select();
  say(`Created ${result.name} (${result.role}); reload to see it listed`);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-rpc]");
  if (!button || !rpc) return;
  if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
  run(button.dataset.rpc, JSON.parse(button.dataset.params || "{}"), button.dataset.after, button);
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-rpc]");
  if (!form || !rpc) return;
  event.preventDefault();
  run(form.dataset.rpc, paramsOf(form), form.dataset.after, form.querySelector("[type=submit]"));
});

// install_update reports progress on every session.
rpc?.on("update_progress", ({ percent, step }) => {
  const bar = document.querySelector("form[data-progress] progress");
  if (bar) {
    bar.hidden = false;
    bar.value = percent;
  }
  say(`${percent}% ${step}`);
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  field.select();
  try {
    // Only in secure contexts (https, localhost); plain http on a LAN falls back to selection.
    await navigator.clipboard.writeText(field.value);
    say("Copied");
  } catch {
    say(document.execCommand("copy") ? "Copied" : "Selected: press Ctrl+C to copy");
  }
});

// ---- PTZ: hold to move (continuous, refreshed while held), release to stop ----

const pad = document.querySelector("[data-ptz]");
if (pad && rpc) {
  const device = pad.dataset.ptz;
  let holding;
  const start = (button) => {
    stop();
    const move = { device, mode: "continuous", timeout: 1000, ...JSON.parse(button.dataset.move) };
    const send = () =>
      rpc.call("ptz_move", move).catch((error) => say(`ptz_move: ${error.message}`, true));
    send();
    holding = setInterval(send, 800);
  };
  const stop = () => {
    if (!holding) return;
    clearInterval(holding);
    holding = undefined;
    rpc.call("ptz_stop", { device }).catch((error) => say(`ptz_stop: ${error.message}`, true));
  };
  for (const button of pad.querySelectorAll("[data-move]")) {
    button.addEventListener("pointerdown", () => start(button));
    button.addEventListener("keydown", (event) => {
      if ((event.key === "Enter" || event.key === " ") && !event.repeat) start(button);
    });
    button.addEventListener("keyup", stop);
  }
  addEventListener("pointerup", stop);
  addEventListener("pointercancel", stop);
  addEventListener("blur", stop);
}

async function loadPresets() {
  const list = document.querySelector("[data-presets]");
  if (!list || !rpc) return;
  const device = list.dataset.presets;
  try {
    const { presets } = await rpc.call("get_ptz_presets", { device });
    list.replaceChildren(
      ...presets.map((preset) => {
        const item = document.createElement("li");
        const go = document.createElement("button");
        go.type = "button";
        go.textContent = preset.name || preset.token;
        go.dataset.rpc = "goto_ptz_preset";
        go.dataset.params = JSON.stringify({ device, preset: preset.token });
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "danger";
        remove.textContent = "Remove";
        remove.dataset.rpc = "remove_ptz_preset";
        remove.dataset.params = JSON.stringify({ device, preset: preset.token });
        remove.dataset.after = "presets";
        item.append(go, " ", remove);
        return item;
      }),
    );
  } catch (error) {
    say(`get_ptz_presets: ${error.message}`, true);
  }
}
loadPresets();

// ---- ONVIF discovery on the add-camera page ----

const discover = document.querySelector("[data-discover]");
discover?.addEventListener("click", async () => {
  const list = document.querySelector("[data-discovered]");
  discover.disabled = true;
  say("Searching…");
  try {
    const { cameras } = await rpc.call("discover_cameras");
    list.replaceChildren(
      ...cameras.map((camera) => {
        const item = document.createElement("li");
        item.textContent = `${camera.name || "camera"} ${camera.hardware ? `(${camera.hardware})` : ""} at ${camera.address} `;
        if (camera.added_as) {
          const link = document.createElement("a");
          link.href = `/cameras/${encodeURIComponent(camera.added_as)}`;
          link.textContent = `added as ${camera.added_as}`;
          item.append(link);
        } else {
          const use = document.createElement("button");
          use.type = "button";
          use.textContent = "Use this address";
          use.addEventListener("click", () => {
            const field = document.getElementById("onvif-address");
            field.value = camera.address;
            document.getElementById("username")?.focus();
          });
          item.append(use);
        }
        return item;
      }),
    );
    say(cameras.length === 0 ? "No ONVIF cameras answered" : `${cameras.length} found`);
  } catch (error) {
    say(`discover_cameras: ${error.message}`, true);
  } finally {
    discover.disabled = false;
  }
});
