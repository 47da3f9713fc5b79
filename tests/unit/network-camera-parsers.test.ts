// What the agent reads from network cameras and their users: URLs, addresses, login
// challenges, stream descriptions and WS-Discovery answers.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { answerChallenge } from "../../agent/src/cameras/login-challenge.ts";
import { parseOnvifAddress } from "../../agent/src/cameras/onvif/onvif-device.ts";
import { parseProbeMatch } from "../../agent/src/cameras/onvif/ws-discovery.ts";
import { parseCameraUrl, urlIdentity, withLogin } from "../../agent/src/cameras/rtsp/camera-url.ts";
import { h264Size, sdpVideo } from "../../agent/src/cameras/rtsp/sdp-video.ts";
import { maskUrlCredentials } from "../../agent/src/util/url-credentials.ts";

describe("camera URLs", () => {
  test("a login is taken out, decoded, and put back percent-encoded", () => {
    const parsed = parseCameraUrl("rtsp://Admin:p%40ss%3Aw@CAM.Local:554/Streaming/101?x=1");
    expect(parsed).toEqual({
      url: "rtsp://cam.local:554/Streaming/101?x=1",
      username: "Admin",
      password: "p@ss:w",
    });
    expect(withLogin(parsed.url, "Admin", "p@ss:w")).toBe(
      "rtsp://Admin:p%40ss%3Aw@cam.local:554/Streaming/101?x=1",
    );
    expect(withLogin(parsed.url, "", "")).toBe(parsed.url);
  });

  test("the same stream is one identity whatever the login and the default port", () => {
    const identity = (url: string) => urlIdentity(parseCameraUrl(url).url);
    expect(identity("rtsp://a:b@cam:554/s")).toBe(identity("rtsp://cam/s"));
    expect(identity("rtsp://cam:8554/s")).not.toBe(identity("rtsp://cam/s"));
  });

  test("refusals say what is wrong and never echo the login", () => {
    for (const [input, message] of [
      ["http://cam/s", "must start with rtsp://"],
      ["rtsp://cam/a b", "spaces or control characters"],
      ["rtsp://cam/\u0000", "spaces or control characters"],
      ["rtsp:///s", "has no host"],
      ["rtsp://cam/s#frag", "#fragment"],
      ["rtsp://u:%zz-secret@cam/", "invalid %-escapes"],
      ["not-a-url", "is not a URL"],
    ]) {
      expect(() => parseCameraUrl(input as string)).toThrow(message as string);
      try {
        parseCameraUrl(input as string);
      } catch (error) {
        expect((error as Error).message).not.toContain("secret");
      }
    }
  });

  test("logins in any URL inside a text are masked", () => {
    expect(maskUrlCredentials("'rtsp://u:p@h/x' is not valid; see http://a:b@c/")).toBe(
      "'rtsp://***@h/x' is not valid; see http://***@c/",
    );
  });

  test("ONVIF addresses: host, host:port or URL; canonical form for identity", () => {
    expect(parseOnvifAddress("192.168.1.64").url).toBe("http://192.168.1.64/onvif/device_service");
    expect(parseOnvifAddress("Cam:8080")).toEqual({
      hostname: "cam",
      port: 8080,
      path: "/onvif/device_service",
      url: "http://cam:8080/onvif/device_service",
    });
    expect(parseOnvifAddress("http://cam:80/onvif/device_service").url).toBe(
      "http://cam/onvif/device_service",
    );
    expect(() => parseOnvifAddress("https://cam/")).toThrow("must be http://");
    expect(() => parseOnvifAddress("http://u:p@cam/")).toThrow("must not carry a login");
  });
});

describe("login challenges", () => {
  test("Digest with qop=auth answers as RFC 7616 §3.4.1 computes it", () => {
    const header =
      answerChallenge(
        [
          'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
        ],
        { method: "GET", uri: "/dir/index.html", username: "Mufasa", password: "Circle Of Life" },
      ) ?? "";
    const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`).exec(header)?.[1] ?? "";
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    const ha1 = md5("Mufasa:testrealm@host.com:Circle Of Life");
    const ha2 = md5("GET:/dir/index.html");
    expect(header.startsWith("Digest ")).toBe(true);
    expect(field("qop")).toBe("auth");
    expect(field("opaque")).toBe("5ccc069c403ebaf9f0171e9517f40e41");
    expect(field("response")).toBe(
      md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:${field("cnonce")}:auth:${ha2}`),
    );
  });

  test("Digest without qop (RTSP cameras), Basic, and what cannot be answered", () => {
    const login = { method: "DESCRIBE", uri: "rtsp://h/s", username: "u", password: "p" };
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    expect(answerChallenge(['Digest realm="r", nonce="n"'], login)).toContain(
      `response="${md5(`${md5("u:r:p")}:n:${md5("DESCRIBE:rtsp://h/s")}`)}"`,
    );
    expect(answerChallenge(['Basic realm="r"'], login)).toBe(
      `Basic ${Buffer.from("u:p").toString("base64")}`,
    );
    expect(
      answerChallenge(['Digest realm="r", nonce="n", algorithm=SHA-256'], login),
    ).toBeUndefined();
    expect(answerChallenge(['Bearer realm="r"'], login)).toBeUndefined();
  });
});

describe("stream descriptions", () => {
  test("H.264 frame size from the SPS in sprop-parameter-sets, rate from framerate", () => {
    // libx264's SPS for 1920x1080 4:2:0 (High profile, 1088 coded rows cropped to 1080).
    const sdp = [
      "v=0",
      "m=audio 0 RTP/AVP 0",
      "a=rtpmap:0 PCMU/8000",
      "m=video 0 RTP/AVP 96",
      "a=rtpmap:96 H264/90000",
      "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QAKKzZQHgCJ+XARAAAAwAEAAADAMg8YMZY,aOvjyyLA",
      "a=framerate:25",
    ].join("\r\n");
    expect(sdpVideo(sdp)).toEqual({ pixelFormat: "H264", width: 1920, height: 1080, fps: [25] });
  });

  test("size from framesize or x-dimensions when there is no SPS; no video is undefined", () => {
    expect(
      sdpVideo("m=video 0 RTP/AVP 97\na=rtpmap:97 H265/90000\na=framesize:97 1280-720"),
    ).toEqual({
      pixelFormat: "H265",
      width: 1280,
      height: 720,
      fps: [],
    });
    expect(sdpVideo("m=video 0 RTP/AVP 26\na=x-dimensions:640,480")?.pixelFormat).toBe("JPEG");
    expect(sdpVideo("m=audio 0 RTP/AVP 0\na=rtpmap:0 PCMU/8000")).toBeUndefined();
  });

  test("other profiles: baseline 720p, High 4:4:4 (scaling and chroma paths)", () => {
    // Made with ffmpeg's libx264 (-profile:v baseline -s 1280x720; yuv444p at 1920x1080).
    expect(h264Size(Buffer.from("Z0LAH9kAUAW7ARAAAAMAEAAAAwMg8YMkgA==", "base64"))).toEqual({
      width: 1280,
      height: 720,
    });
    expect(h264Size(Buffer.from("Z/QAKJGbKA8ARPxOAiAAAAMAIAAABkHjBjLA", "base64"))).toEqual({
      width: 1920,
      height: 1080,
    });
  });

  test("a truncated or odd SPS gives no size rather than a wrong one", () => {
    expect(h264Size(Buffer.from([0x67, 0x64]))).toBeUndefined();
    expect(h264Size(Buffer.from([0x68, 0xeb, 0xe3]))).toBeUndefined();
  });
});

describe("WS-Discovery answers", () => {
  const answer = (relatesTo: string | undefined) =>
    `<s:Envelope xmlns:s="x" xmlns:a="y" xmlns:d="z"><s:Header>${
      relatesTo === undefined ? "" : `<a:RelatesTo>${relatesTo}</a:RelatesTo>`
    }</s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:1</a:Address></a:EndpointReference>
    <d:Scopes>onvif://www.onvif.org/name/A%20%26%20B onvif://www.onvif.org/hardware/X-1 http://other/scope</d:Scopes>
    <d:XAddrs>http://10.0.0.5/onvif/device_service https://10.0.0.5/onvif/device_service ftp://x</d:XAddrs>
    </d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;

  test("a match for our probe: urn, http(s) addresses and decoded ONVIF scopes", () => {
    expect(parseProbeMatch(answer("urn:uuid:probe"), "urn:uuid:probe")).toEqual({
      urn: "urn:uuid:1",
      addresses: ["http://10.0.0.5/onvif/device_service", "https://10.0.0.5/onvif/device_service"],
      scopes: [
        { kind: "name", value: "A & B" },
        { kind: "hardware", value: "X-1" },
      ],
    });
    // Cheap cameras leave RelatesTo out: still a match.
    expect(parseProbeMatch(answer(undefined), "urn:uuid:probe")?.urn).toBe("urn:uuid:1");
  });

  test("answers to someone else's probe, and garbage, are dropped", () => {
    expect(parseProbeMatch(answer("urn:uuid:other"), "urn:uuid:probe")).toBeUndefined();
    expect(parseProbeMatch("<not soap", "urn:uuid:probe")).toBeUndefined();
    expect(parseProbeMatch("<d:ProbeMatches/>", "urn:uuid:probe")).toBeUndefined();
  });
});
