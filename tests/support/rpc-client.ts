export interface RpcErrorObject {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

export interface RpcReply {
  jsonrpc: "2.0";
  id: string | number | null;
  result?: unknown;
  error?: RpcErrorObject;
}

/** A plain WebSocket JSON-RPC client that keeps every message it receives, in order. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<string | number, (reply: RpcReply) => void>();
  private readonly inbox: unknown[] = [];
  private readonly waiters: Array<{ deliver(message: unknown): void; fail(error: Error): void }> =
    [];
  private isClosed = false;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly socket: WebSocket) {
    socket.onmessage = (event) => {
      const message: unknown = JSON.parse(String(event.data));
      const id = (message as { id?: string | number }).id;
      const settle = id === undefined || id === null ? undefined : this.pending.get(id);
      if (settle && id !== undefined && id !== null) {
        this.pending.delete(id);
        settle(message as RpcReply);
        return;
      }
      const waiter = this.waiters.shift();
      if (waiter) waiter.deliver(message);
      else this.inbox.push(message);
    };
    this.closed = new Promise((resolve) => {
      socket.onclose = (event) => {
        this.isClosed = true;
        // No message will come: waiting next() calls end now, not at their (long) timeouts.
        for (const waiter of this.waiters.splice(0)) waiter.fail(new Error("the socket closed"));
        resolve({ code: event.code, reason: event.reason });
      };
    });
  }

  /** `insecureTls` accepts a self-signed certificate (wss:// tests); `headers` go with the upgrade. */
  static async connect(
    url: string,
    options: { insecureTls?: boolean; headers?: Record<string, string> } = {},
  ): Promise<RpcClient> {
    // Bun's WebSocket takes tls and headers options the DOM type does not declare.
    const init = {
      ...(options.insecureTls ? { tls: { rejectUnauthorized: false } } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
    };
    const socket = new WebSocket(url, init as unknown as string[]);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    return new RpcClient(socket);
  }

  /**
   * `count` authenticated sessions, opened one after another: the agent admits only a few
   * unauthenticated sockets per address at a time (limits.max_unauthenticated_per_address).
   */
  static async sessions(url: string, credential: string, count: number): Promise<RpcClient[]> {
    const clients: RpcClient[] = [];
    for (let i = 0; i < count; i++) {
      const client = await RpcClient.connect(url);
      const reply = await client.authenticate(credential);
      if (reply.error) throw new Error(`authenticate failed: ${JSON.stringify(reply.error)}`);
      clients.push(client);
    }
    return clients;
  }

  call(method: string, params?: unknown): Promise<RpcReply> {
    const id = this.nextId++;
    const reply = new Promise<RpcReply>((resolve) => this.pending.set(id, resolve));
    this.socket.send(
      JSON.stringify({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }), id }),
    );
    return reply;
  }

  async result(method: string, params?: unknown): Promise<unknown> {
    const reply = await this.call(method, params);
    if (reply.error) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result;
  }

  async authenticate(credential: string): Promise<RpcReply> {
    return this.call("authenticate", { auth_token: credential });
  }

  /** Sends a raw frame; its reply (if any) lands in the inbox, read with `next()`. */
  sendRaw(frame: string | Uint8Array): void {
    this.socket.send(frame);
  }

  /** The next message not claimed by a pending call. */
  next(timeoutMs = 10_000): Promise<unknown> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.isClosed) return Promise.reject(new Error("the socket closed"));
    return new Promise((resolve, reject) => {
      const waiter = {
        deliver: (message: unknown) => {
          clearTimeout(timer);
          resolve(message);
        },
        fail: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      // A waiter that gave up must not swallow the message that comes after.
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error("no message arrived"));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Unclaimed messages received so far (notifications, replies to raw frames). */
  drainInbox(): unknown[] {
    return this.inbox.splice(0);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}
