import { Discovery } from "onvif";
import { z } from "zod";

/** An ONVIF device that answered a WS-Discovery probe. */
export interface ProbeMatch {
  /** Its endpoint reference (urn:uuid:…): stable across address changes. */
  urn: string;
  /** Its device service URLs (XAddrs). */
  addresses: string[];
  /** The onvif://www.onvif.org/<kind>/<value> scopes it announced, decoded. */
  scopes: Array<{ kind: string; value: string }>;
}

const matchSchema = z.object({
  probeMatches: z.object({
    probeMatch: z.object({
      endpointReference: z.object({ address: z.string().min(1).max(256) }),
      XAddrs: z.string().max(4096),
      scopes: z.string().max(8192).optional(),
    }),
  }),
});

// The lib reports unparsable answers as 'error' events on a shared emitter; an 'error' event
// nobody listens to throws, and would take the agent down on any stray datagram on port 3702.
let listening = false;
function ignoreStrayAnswers(): void {
  if (listening) return;
  listening = true;
  Discovery.on("error", () => {});
}

/**
 * One WS-Discovery probe (UDP multicast to 239.255.255.250:3702) for NetworkVideoTransmitter
 * devices, collecting answers for `timeoutMs`. Answers that are not valid probe matches are
 * dropped, not reported.
 */
export function probeOnvifDevices(timeoutMs: number): Promise<ProbeMatch[]> {
  ignoreStrayAnswers();
  return new Promise((resolve, reject) => {
    Discovery.probe({ timeout: timeoutMs, resolve: false }, (error: unknown, found?: unknown[]) => {
      // The lib passes the list of bad answers as the error next to the good ones.
      if (error && !Array.isArray(error)) {
        reject(new Error(`WS-Discovery probe failed: ${(error as Error).message ?? error}`));
        return;
      }
      const matches: ProbeMatch[] = [];
      for (const answer of found ?? []) {
        const parsed = matchSchema.safeParse(answer);
        if (!parsed.success) continue;
        const match = parsed.data.probeMatches.probeMatch;
        matches.push({
          urn: match.endpointReference.address,
          addresses: match.XAddrs.split(/\s+/).filter((address) => /^https?:\/\//.test(address)),
          scopes: (match.scopes ?? "").split(/\s+/).flatMap((scope) => {
            const found = /^onvif:\/\/www\.onvif\.org\/([^/]+)\/(.+)$/.exec(scope);
            if (!found) return [];
            return [{ kind: found[1] ?? "", value: safeDecode(found[2] ?? "") }];
          }),
        });
      }
      resolve(matches);
    });
  });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
