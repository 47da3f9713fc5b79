import { randomUUID } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { networkInterfaces } from "node:os";
import { z } from "zod";

// WS-Discovery (OASIS 2005/04, as ONVIF Core §7.3 uses it): a Probe for
// NetworkVideoTransmitter sent to 239.255.255.250:3702, answered by each device with a
// unicast ProbeMatches. Our own small client rather than the onvif package's, because a
// probe must leave through the interface the cameras are on (IP_MULTICAST_IF), which that
// one cannot be told.

const GROUP = "239.255.255.250";
const PORT = 3702;
/** Larger answers are not probe matches: dropped unread. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** An ONVIF device that answered a probe. */
export interface ProbeMatch {
  /** Its endpoint reference (urn:uuid:…): stable across address changes. */
  urn: string;
  /** Its device service URLs (XAddrs). */
  addresses: string[];
  /** The onvif://www.onvif.org/<kind>/<value> scopes it announced, decoded. */
  scopes: Array<{ kind: string; value: string }>;
}

const matchSchema = z.object({
  urn: z.string().min(1).max(256),
  xaddrs: z.string().max(4096),
  scopes: z.string().max(8192),
});

/**
 * One probe from `networkInterface` (empty: the one the default route uses), collecting
 * answers for `timeoutMs`. Answers that are not probe matches for this probe are dropped.
 */
export async function probeOnvifDevices(
  timeoutMs: number,
  networkInterface: string,
): Promise<ProbeMatch[]> {
  const source = networkInterface === "" ? undefined : ipv4Of(networkInterface);
  const socket = createSocket({ type: "udp4" });
  const messageId = `urn:uuid:${randomUUID()}`;
  const found = new Map<string, ProbeMatch>();
  socket.on("message", (message) => {
    if (message.length > MAX_ANSWER_BYTES) return;
    const match = parseProbeMatch(message.toString("utf8"), messageId);
    if (match && !found.has(match.urn)) found.set(match.urn, match);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ port: 0, ...(source ? { address: source } : {}) }, () => resolve());
    });
    if (source) socket.setMulticastInterface(source);
    await send(socket, probe(messageId));
    await Bun.sleep(timeoutMs);
  } finally {
    socket.close();
  }
  return [...found.values()];
}

function ipv4Of(name: string): string {
  const address = networkInterfaces()[name]?.find((entry) => entry.family === "IPv4")?.address;
  if (!address) throw new Error(`no IPv4 address on interface ${name} (discovery.onvif.interface)`);
  return address;
}

function send(socket: Socket, message: string): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(message, PORT, GROUP, (error) => (error ? reject(error) : resolve())),
  );
}

function probe(messageId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ' +
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
    'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" ' +
    'xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    `<s:Header><a:MessageID>${messageId}</a:MessageID>` +
    "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>" +
    "<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>" +
    "<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>"
  );
}

/** A ProbeMatches answer to our probe (RelatesTo, when the device sends it, must match). */
export function parseProbeMatch(xml: string, messageId: string): ProbeMatch | undefined {
  const element = (name: string, within = xml) =>
    new RegExp(`<(?:[\\w-]+:)?${name}\\b[^>]*>([^<]*)</(?:[\\w-]+:)?${name}>`).exec(within)?.[1];
  if (!/<(?:[\w-]+:)?ProbeMatches\b/.test(xml)) return undefined;
  const relatesTo = element("RelatesTo");
  if (relatesTo !== undefined && relatesTo.trim() !== messageId) return undefined;
  const reference =
    /<(?:[\w-]+:)?EndpointReference\b[^>]*>([\s\S]*?)<\/(?:[\w-]+:)?EndpointReference>/.exec(
      xml,
    )?.[1];
  const parsed = matchSchema.safeParse({
    urn: element("Address", reference ?? "")?.trim(),
    xaddrs: element("XAddrs") ?? "",
    scopes: element("Scopes") ?? "",
  });
  if (!parsed.success) return undefined;
  return {
    urn: entities(parsed.data.urn),
    addresses: entities(parsed.data.xaddrs)
      .split(/\s+/)
      .filter((address) => /^https?:\/\//.test(address)),
    scopes: entities(parsed.data.scopes)
      .split(/\s+/)
      .flatMap((scope) => {
        const found = /^onvif:\/\/www\.onvif\.org\/([^/]+)\/(.+)$/.exec(scope);
        return found ? [{ kind: found[1] ?? "", value: decoded(found[2] ?? "") }] : [];
      }),
  };
}

function entities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
