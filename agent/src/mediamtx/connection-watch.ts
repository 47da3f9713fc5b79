import type { Socket } from "bun";

/**
 * Holds one keep-alive HTTP connection open to MediaMTX's API (one GET /v3/info, then idle)
 * and calls `onLost` when it closes. When MediaMTX's process dies (crash, `systemctl restart`,
 * OOM kill), the kernel closes that connection at once, so the agent learns of it without
 * polling. MediaMTX also closes idle connections after its read timeout (10 s by default):
 * that looks the same from here, so `onLost` only says "look now", and the caller's check
 * tells a restart from an idle close.
 */
export class ConnectionWatch {
  private socket: Socket<undefined> | undefined;
  private opening = false;
  private closed = false;

  constructor(
    private readonly apiUrl: string,
    /** MediaMTX's API wants credentials for every request, this one included. */
    private readonly authorization: string | undefined,
    private readonly onLost: () => void,
  ) {}

  get watching(): boolean {
    return this.socket !== undefined || this.opening;
  }

  /** Opens the connection unless one is open (or being opened). Never throws. */
  open(): void {
    if (this.closed || this.watching) return;
    const url = new URL(this.apiUrl);
    const tls = url.protocol === "https:";
    const port = Number(url.port || (tls ? 443 : 80));
    // URL keeps IPv6 literals in brackets; connect() wants them bare.
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    this.opening = true;
    const lost = () => {
      this.socket = undefined;
      if (!this.closed) this.onLost();
    };
    Bun.connect({
      hostname,
      port,
      tls,
      socket: {
        data() {},
        close: lost,
        error: lost,
        connectError: () => {},
      },
    }).then(
      (socket) => {
        this.opening = false;
        if (this.closed) {
          socket.end();
          return;
        }
        this.socket = socket;
        // A request makes it an HTTP connection on MediaMTX's side, kept alive (and answered;
        // the answer is not needed) rather than a bare socket a server may ignore.
        const headers = [
          `GET ${url.pathname.replace(/\/$/, "")}/v3/info HTTP/1.1`,
          `Host: ${url.host}`,
          ...(this.authorization ? [`Authorization: ${this.authorization}`] : []),
          "Connection: keep-alive",
        ];
        socket.write(`${headers.join("\r\n")}\r\n\r\n`);
      },
      () => {
        // Refused or unreachable: MediaMTX is down; the monitor's own probes say so.
        this.opening = false;
      },
    );
  }

  close(): void {
    this.closed = true;
    this.socket?.end();
    this.socket = undefined;
  }
}
