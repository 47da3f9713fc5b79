// An ONVIF (Profile S) camera stand-in: no ONVIF camera can be had here. SOAP 1.2 over HTTP
// like a real device: GetSystemDateAndTime without a login, everything else only with a
// WS-Security UsernameToken whose PasswordDigest (base64 SHA-1 of nonce + Created + password)
// checks out and whose Created is within 5 s of the device's own clock (which can be set
// off by `skewMs`, as on cameras nobody set the time on). Device information, capabilities,
// three profiles (one without a video encoder), stream and snapshot URIs, and a PTZ unit with
// real state: position, moves, home, presets. The snapshot URI wants HTTP Digest. Faults are
// SOAP faults with the subcodes real devices use (ter:NotAuthorized, ter:ActionNotSupported,
// ter:InvalidArgVal, ter:NoProfile, ter:NoToken). `misbehave` injects a slow or broken device.
import { createHash, randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import type { Server } from "bun";

export interface OnvifSimulatorOptions {
  username: string;
  password: string;
  /** Where GetStreamUri points, per profile token ("main", "sub"). */
  streamUris: Record<string, string>;
  /** A JPEG the snapshot URI serves. */
  snapshot: Uint8Array;
  /** The device clock's offset from true time. */
  skewMs?: number;
  manufacturer?: string;
  model?: string;
  serial?: string;
}

interface Vector {
  x: number;
  y: number;
  zoom: number;
}

/** A command the PTZ unit carried out, for tests to read. */
export interface PtzCommand {
  operation: string;
  profile: string;
  values?: Partial<Vector> & { timeout?: string; preset?: string };
}

const PROFILES = [
  { token: "main", name: "MainStream", width: 1920, height: 1080, fps: 25, video: true },
  { token: "sub", name: "SubStream", width: 640, height: 360, fps: 15, video: true },
  // Seen on real cameras: a profile for audio or metadata only, with no video encoder.
  { token: "meta", name: "MetadataOnly", width: 0, height: 0, fps: 0, video: false },
];

export class OnvifSimulator {
  skewMs: number;
  /** undefined: behaves; "slow": answers after 30 s; "malformed": answers non-XML. */
  misbehave: "slow" | "malformed" | undefined;
  position: Vector = { x: 0, y: 0, zoom: 0 };
  home: Vector = { x: 0, y: 0, zoom: 0 };
  /** The velocity of a continuous move in progress, if any. */
  moving: Vector | undefined;
  readonly presets = new Map<string, { name: string; position: Vector }>();
  readonly commands: PtzCommand[] = [];
  /** Requests refused for their login (bad digest, stale Created, no token). */
  refusedLogins = 0;
  snapshotRequests = 0;
  /** The snapshot URI answers 500 (cameras' web servers do). */
  snapshotFails = false;
  private server: Server<undefined> | undefined;
  private discovery: Socket | undefined;
  private nextPreset = 1;
  private readonly nonces = new Map<string, string>();

  constructor(private readonly options: OnvifSimulatorOptions) {
    this.skewMs = options.skewMs ?? 0;
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** The device service address, as WS-Discovery would announce it. */
  get address(): string {
    return `http://127.0.0.1:${this.port}/onvif/device_service`;
  }

  start(port = 0): this {
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port,
      fetch: (request) => this.handle(request),
    });
    return this;
  }

  stop(): void {
    this.server?.stop(true);
    this.server = undefined;
    this.discovery?.close();
    this.discovery = undefined;
  }

  /**
   * Answers WS-Discovery probes for NetworkVideoTransmitter on 239.255.255.250:3702 with a
   * ProbeMatch (unicast to the prober, RelatesTo its MessageID), as ONVIF devices do. Needs a
   * network with multicast: the tests make one in a network namespace.
   */
  async answerDiscovery(urn: string, scopes: string[]): Promise<void> {
    const socket = createSocket({ type: "udp4", reuseAddr: true });
    this.discovery = socket;
    socket.on("message", (message, sender) => {
      const text = message.toString();
      const id = /<(?:\w+:)?MessageID[^>]*>([^<]+)</.exec(text)?.[1];
      if (!id || !/NetworkVideoTransmitter/.test(text)) return;
      const reply = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
        xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"
        xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header>
        <a:MessageID>urn:uuid:${randomBytes(16).toString("hex")}</a:MessageID><a:RelatesTo>${id}</a:RelatesTo>
        <a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>
        <a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action></s:Header>
        <s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>${urn}</a:Address></a:EndpointReference>
        <d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>${scopes.join(" ")}</d:Scopes>
        <d:XAddrs>${this.address}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;
      socket.send(reply, sender.port, sender.address);
    });
    await new Promise<void>((resolve) => socket.bind(3702, resolve));
    socket.addMembership("239.255.255.250");
  }

  private deviceNow(): Date {
    return new Date(Date.now() + this.skewMs);
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.misbehave === "slow") await Bun.sleep(30_000);
    if (url.pathname === "/snapshot.jpg") return this.snapshot(request);
    if (request.method !== "POST" || !url.pathname.startsWith("/onvif/"))
      return new Response("not found", { status: 404 });
    const body = await request.text();
    if (this.misbehave === "malformed")
      return new Response("<html><body>Server Error<", {
        headers: { "Content-Type": "application/soap+xml" },
      });
    const operation = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)/.exec(body)?.[1];
    if (!operation) return fault(400, "ter:WellFormed", "Request is not a SOAP envelope");
    if (operation !== "GetSystemDateAndTime" && !this.loginValid(body)) {
      this.refusedLogins++;
      return fault(400, "ter:NotAuthorized", "Sender not Authorized");
    }
    return this.operate(operation, body, url);
  }

  /** WS-Security UsernameToken with PasswordDigest, Created within 5 s of the device clock. */
  private loginValid(body: string): boolean {
    const field = (name: string) =>
      new RegExp(`<(?:[\\w-]+:)?${name}\\b[^>]*>([^<]*)</(?:[\\w-]+:)?${name}>`).exec(body)?.[1];
    const username = field("Username");
    const digest = field("Password");
    const nonce = field("Nonce");
    const created = field("Created");
    if (username === undefined || !digest || !nonce || !created) return false;
    if (xmlText(username) !== this.options.username) return false;
    if (Math.abs(Date.parse(created) - this.deviceNow().getTime()) > 5000) return false;
    const expected = createHash("sha1")
      .update(
        Buffer.concat([
          Buffer.from(nonce, "base64"),
          Buffer.from(created),
          Buffer.from(this.options.password),
        ]),
      )
      .digest("base64");
    return expected === digest;
  }

  private operate(operation: string, body: string, url: URL): Response {
    const base = `http://${url.host}`;
    const profile = /<(?:\w+:)?ProfileToken>([^<]*)</.exec(body)?.[1] ?? "";
    const known = PROFILES.find((entry) => entry.token === profile);
    switch (operation) {
      case "GetSystemDateAndTime":
        return answer(`<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>
          <tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>
          <tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>${utcDateTime(this.deviceNow())}
          </tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`);
      case "GetDeviceInformation":
        return answer(`<tds:GetDeviceInformationResponse>
          <tds:Manufacturer>${this.options.manufacturer ?? "Simulated"}</tds:Manufacturer>
          <tds:Model>${this.options.model ?? "PTZ-1000"}</tds:Model>
          <tds:FirmwareVersion>1.2.3</tds:FirmwareVersion>
          <tds:SerialNumber>${this.options.serial ?? "SIM0001"}</tds:SerialNumber>
          <tds:HardwareId>HW-42</tds:HardwareId></tds:GetDeviceInformationResponse>`);
      case "GetCapabilities":
        return answer(`<tds:GetCapabilitiesResponse><tds:Capabilities>
          <tt:Device><tt:XAddr>${base}/onvif/device_service</tt:XAddr></tt:Device>
          <tt:Media><tt:XAddr>${base}/onvif/media_service</tt:XAddr>
            <tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>
          <tt:PTZ><tt:XAddr>${base}/onvif/ptz_service</tt:XAddr></tt:PTZ>
          </tds:Capabilities></tds:GetCapabilitiesResponse>`);
      case "GetProfiles":
        return answer(
          `<trt:GetProfilesResponse>${PROFILES.map(profileXml).join("")}</trt:GetProfilesResponse>`,
        );
      case "GetVideoSources":
        return answer(`<trt:GetVideoSourcesResponse><trt:VideoSources token="vs0">
          <tt:Framerate>25</tt:Framerate><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution>
          </trt:VideoSources></trt:GetVideoSourcesResponse>`);
      case "GetStreamUri": {
        const uri = this.options.streamUris[profile];
        if (!known) return fault(400, "ter:NoProfile", "The requested profile does not exist");
        if (!uri) return fault(400, "ter:InvalidArgVal", "The profile has no video stream");
        return answer(`<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${xmlEscape(uri)}</tt:Uri>
          <tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>
          <tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`);
      }
      case "GetSnapshotUri":
        if (!known?.video)
          return fault(400, "ter:NoProfile", "The requested profile does not exist");
        return answer(`<trt:GetSnapshotUriResponse><trt:MediaUri>
          <tt:Uri>${base}/snapshot.jpg?profile=${profile}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>
          <tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout>
          </trt:MediaUri></trt:GetSnapshotUriResponse>`);
      default:
        return this.ptz(operation, body, profile, known !== undefined);
    }
  }

  private ptz(operation: string, body: string, profile: string, known: boolean): Response {
    const ptzOperations = [
      "ContinuousMove",
      "RelativeMove",
      "AbsoluteMove",
      "Stop",
      "GotoHomePosition",
      "SetHomePosition",
      "GetPresets",
      "SetPreset",
      "GotoPreset",
      "RemovePreset",
      "GetStatus",
    ];
    if (!ptzOperations.includes(operation))
      return fault(400, "ter:ActionNotSupported", "Optional Action Not Implemented");
    if (!known) return fault(400, "ter:NoProfile", "The requested profile does not exist");
    const vector = (element: string) => {
      const block =
        new RegExp(`<(?:\\w+:)?${element}>([\\s\\S]*?)</(?:\\w+:)?${element}>`).exec(body)?.[1] ??
        "";
      const attribute = (tag: string, name: string) => {
        const match = new RegExp(`<(?:\\w+:)?${tag}\\b[^>]*\\b${name}="([^"]*)"`).exec(block);
        return match ? Number(match[1]) : undefined;
      };
      return {
        x: attribute("PanTilt", "x"),
        y: attribute("PanTilt", "y"),
        zoom: attribute("Zoom", "x"),
      };
    };
    const clamp = (value: number, low: number) => Math.max(low, Math.min(1, value));
    const place = (target: Partial<Vector>) => {
      this.position = {
        x: clamp(target.x ?? this.position.x, -1),
        y: clamp(target.y ?? this.position.y, -1),
        zoom: clamp(target.zoom ?? this.position.zoom, 0),
      };
    };
    const record = (values?: PtzCommand["values"]) =>
      this.commands.push({ operation, profile, ...(values ? { values } : {}) });
    const empty = () => answer(`<tptz:${operation}Response/>`);
    const outOfRange = (values: Partial<Vector>, low: (key: string) => number) =>
      Object.entries(values).some(
        ([key, value]) =>
          value !== undefined && (Number.isNaN(value) || value < low(key) || value > 1),
      );
    switch (operation) {
      case "ContinuousMove": {
        const velocity = vector("Velocity");
        if (outOfRange(velocity, () => -1))
          return fault(400, "ter:InvalidArgVal", "Velocity out of range");
        const timeout = /<(?:\w+:)?Timeout>([^<]*)</.exec(body)?.[1];
        this.moving = { x: velocity.x ?? 0, y: velocity.y ?? 0, zoom: velocity.zoom ?? 0 };
        record({ ...this.moving, ...(timeout ? { timeout } : {}) });
        return empty();
      }
      case "Stop":
        this.moving = undefined;
        record();
        return empty();
      case "RelativeMove": {
        const step = vector("Translation");
        if (outOfRange(step, () => -1))
          return fault(400, "ter:InvalidArgVal", "Translation out of range");
        place({
          x: this.position.x + (step.x ?? 0),
          y: this.position.y + (step.y ?? 0),
          zoom: this.position.zoom + (step.zoom ?? 0),
        });
        record(step);
        return empty();
      }
      case "AbsoluteMove": {
        const target = vector("Position");
        if (outOfRange(target, (key) => (key === "zoom" ? 0 : -1)))
          return fault(400, "ter:InvalidArgVal", "Position out of range");
        place(target);
        record(target);
        return empty();
      }
      case "GotoHomePosition":
        this.position = { ...this.home };
        record();
        return empty();
      case "SetHomePosition":
        this.home = { ...this.position };
        record();
        return empty();
      case "GetStatus":
        return answer(`<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position>${vectorXml(this.position)}</tt:Position>
          <tt:MoveStatus><tt:PanTilt>${this.moving ? "MOVING" : "IDLE"}</tt:PanTilt><tt:Zoom>IDLE</tt:Zoom></tt:MoveStatus>
          <tt:UtcTime>${this.deviceNow().toISOString()}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>`);
      case "GetPresets":
        return answer(
          `<tptz:GetPresetsResponse>${[...this.presets]
            .map(
              ([token, preset]) =>
                `<tptz:Preset token="${token}"><tt:Name>${xmlEscape(preset.name)}</tt:Name><tt:PTZPosition>${vectorXml(preset.position)}</tt:PTZPosition></tptz:Preset>`,
            )
            .join("")}</tptz:GetPresetsResponse>`,
        );
      case "SetPreset": {
        const name = xmlText(/<(?:\w+:)?PresetName>([^<]*)</.exec(body)?.[1] ?? "");
        const given = /<(?:\w+:)?PresetToken>([^<]*)</.exec(body)?.[1];
        if (given !== undefined && !this.presets.has(given))
          return fault(400, "ter:NoToken", "The requested preset token does not exist");
        if ([...this.presets].some(([token, preset]) => preset.name === name && token !== given))
          return fault(
            400,
            "ter:PresetExist",
            "The requested name already exists for another preset",
          );
        const token = given ?? String(this.nextPreset++);
        this.presets.set(token, { name, position: { ...this.position } });
        record({ preset: token });
        return answer(
          `<tptz:SetPresetResponse><tptz:PresetToken>${token}</tptz:PresetToken></tptz:SetPresetResponse>`,
        );
      }
      case "GotoPreset":
      case "RemovePreset": {
        const token = /<(?:\w+:)?PresetToken>([^<]*)</.exec(body)?.[1] ?? "";
        const preset = this.presets.get(token);
        if (!preset) return fault(400, "ter:NoToken", "The requested preset token does not exist");
        if (operation === "GotoPreset") this.position = { ...preset.position };
        else this.presets.delete(token);
        record({ preset: token });
        return empty();
      }
    }
    return fault(400, "ter:ActionNotSupported", "Optional Action Not Implemented");
  }

  /** The snapshot URI: HTTP Digest (qop=auth), as cameras protect it. */
  private snapshot(request: Request): Response {
    if (this.snapshotFails) return new Response("snapshot service busy", { status: 500 });
    const header = request.headers.get("authorization") ?? "";
    const params = new Map(
      [...header.matchAll(/(\w+)="?([^",]*)"?/g)].map((match) => [match[1] ?? "", match[2] ?? ""]),
    );
    const realm = "simulated-camera";
    const nonce = params.get("nonce") ?? "";
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    if (header.startsWith("Digest ") && this.nonces.has(nonce)) {
      const ha1 = md5(`${this.options.username}:${realm}:${this.options.password}`);
      const ha2 = md5(`GET:${params.get("uri")}`);
      const expected = md5(
        `${ha1}:${nonce}:${params.get("nc")}:${params.get("cnonce")}:${params.get("qop")}:${ha2}`,
      );
      if (params.get("username") === this.options.username && params.get("response") === expected) {
        this.snapshotRequests++;
        return new Response(this.options.snapshot, { headers: { "Content-Type": "image/jpeg" } });
      }
    }
    const fresh = randomBytes(12).toString("hex");
    this.nonces.set(fresh, fresh);
    return new Response("unauthorized", {
      status: 401,
      headers: {
        "WWW-Authenticate": `Digest realm="${realm}", qop="auth", nonce="${fresh}", algorithm=MD5`,
      },
    });
  }
}

function profileXml(profile: (typeof PROFILES)[number]): string {
  const encoder = profile.video
    ? `<tt:VideoEncoderConfiguration token="vec-${profile.token}"><tt:Name>${profile.name}</tt:Name><tt:UseCount>1</tt:UseCount>
       <tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${profile.width}</tt:Width><tt:Height>${profile.height}</tt:Height></tt:Resolution>
       <tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${profile.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>
       <tt:BitrateLimit>2048</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration>`
    : "";
  return `<trt:Profiles token="${profile.token}" fixed="true"><tt:Name>${profile.name}</tt:Name>
    <tt:VideoSourceConfiguration token="vsc0"><tt:Name>VideoSource</tt:Name><tt:UseCount>3</tt:UseCount>
    <tt:SourceToken>vs0</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>
    ${encoder}
    <tt:PTZConfiguration token="ptz0"><tt:Name>PTZ</tt:Name><tt:UseCount>3</tt:UseCount><tt:NodeToken>node0</tt:NodeToken></tt:PTZConfiguration>
    </trt:Profiles>`;
}

function vectorXml(vector: Vector): string {
  return `<tt:PanTilt x="${vector.x}" y="${vector.y}"/><tt:Zoom x="${vector.zoom}"/>`;
}

function utcDateTime(at: Date): string {
  return `<tt:UTCDateTime><tt:Time><tt:Hour>${at.getUTCHours()}</tt:Hour><tt:Minute>${at.getUTCMinutes()}</tt:Minute>
    <tt:Second>${at.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${at.getUTCFullYear()}</tt:Year>
    <tt:Month>${at.getUTCMonth() + 1}</tt:Month><tt:Day>${at.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime>`;
}

const NAMESPACES =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
  'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" ' +
  'xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:ter="http://www.onvif.org/ver10/error"';

function answer(body: string): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NAMESPACES}><s:Body>${body}</s:Body></s:Envelope>`,
    { headers: { "Content-Type": "application/soap+xml; charset=utf-8" } },
  );
}

function fault(status: number, subcode: string, reason: string): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NAMESPACES}><s:Body><s:Fault>
      <s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>
      <s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`,
    { status, headers: { "Content-Type": "application/soap+xml; charset=utf-8" } },
  );
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function xmlText(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
