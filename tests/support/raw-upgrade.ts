import { connect, type Socket } from "node:net";

/**
 * A WebSocket upgrade done by hand over TCP, for what a normal client can't do: see the
 * refusal status, or stop reading replies (a slow consumer).
 */
export function rawUpgrade(
  port: number,
  path: string,
  extraHeaders: Record<string, string> = {},
  /** Another loopback source address (127.0.0.2, …): a second client machine. */
  localAddress?: string,
): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", localAddress }, () => {
      const headers = {
        Host: `127.0.0.1:${port}`,
        Upgrade: "websocket",
        Connection: "Upgrade",
        "Sec-WebSocket-Key": Buffer.from("0123456789abcdef").toString("base64"),
        "Sec-WebSocket-Version": "13",
        ...extraHeaders,
      };
      const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
      socket.write(`GET ${path} HTTP/1.1\r\n${head.join("\r\n")}\r\n\r\n`);
    });
    let received = "";
    const onData = (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n/.exec(received);
      if (!match) return;
      socket.off("data", onData);
      socket.pause();
      resolve({ status: Number(match[1]), socket });
    };
    socket.on("data", onData);
    socket.on("error", reject);
  });
}

export async function upgradeStatus(
  port: number,
  path: string,
  extraHeaders: Record<string, string> = {},
): Promise<number> {
  const { status, socket } = await rawUpgrade(port, path, extraHeaders);
  socket.destroy();
  return status;
}

/** A client text frame (clients must mask; an all-zero key leaves the payload as it is). */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, 0x80 | length])
      : length < 65536
        ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigEndian64(length)]);
  return Buffer.concat([header, Buffer.alloc(4), payload]);
}

function bigEndian64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(value));
  return buffer;
}
