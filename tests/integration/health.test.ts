import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { healthRoutes } from "../../agent/src/http/health-routes.ts";
import { eventually } from "../support/eventually.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { freePort, startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;
let healthUrl: string;

beforeAll(async () => {
  const port = freePort();
  agent = await startTestAgent({ health: { host: "127.0.0.1", port } });
  healthUrl = `http://127.0.0.1:${agent.agent.healthPort}`;
});
afterAll(async () => {
  await agent.stop();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe("health endpoints (contract §11, D5)", () => {
  for (const base of ["main port", "health port"]) {
    const url = () => (base === "main port" ? agent.httpUrl : healthUrl);

    test(`/health on the ${base}`, async () => {
      const response = await fetch(`${url()}/health`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(response.headers.get("cache-control")).toBe("no-cache, no-store, must-revalidate");
      expect(await response.json()).toEqual({
        status: expect.stringMatching(/^(healthy|degraded|unhealthy)$/),
        timestamp: expect.stringMatching(ISO),
        version: expect.any(String),
        uptime: expect.stringMatching(/^(\d+h)?(\d+m)?\d+s$/),
      });
    });

    test(`/health/live and /health/ready on the ${base}`, async () => {
      const live = await fetch(`${url()}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual(
        expect.objectContaining({ alive: true, timestamp: expect.stringMatching(ISO) }),
      );
      const ready = await fetch(`${url()}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual(
        expect.objectContaining({ ready: true, message: expect.any(String) }),
      );
    });
  }

  test("/health/detailed lists components and their counts", async () => {
    const body = (await (await fetch(`${healthUrl}/health/detailed`)).json()) as {
      components: Array<{ name: string; status: string; last_checked: string; details: object }>;
      metrics: Record<string, number>;
      environment: string;
    };
    expect(body.components.map((component) => component.name)).toEqual([
      "websocket_server",
      "storage",
      "camera_monitor",
      "network_cameras",
      "mediamtx",
    ]);
    for (const component of body.components) {
      expect(component.status).toMatch(/^(healthy|degraded|unhealthy)$/);
      expect(component.last_checked).toMatch(ISO);
    }
    expect(body.metrics.component_count).toBe(5);
    expect(
      (body.metrics.components_healthy ?? 0) +
        (body.metrics.components_degraded ?? 0) +
        (body.metrics.components_unhealthy ?? 0),
    ).toBe(5);
    expect(typeof body.environment).toBe("string");
  });

  test("the health port serves no WebSocket and no other paths", async () => {
    expect((await fetch(`${healthUrl}/ws`)).status).toBe(404);
    expect((await fetch(`${healthUrl}/../etc/passwd`)).status).toBe(404);
  });
});

describe("/metrics", () => {
  test("Prometheus text with RPC counts and latency by method and outcome", async () => {
    const client = await RpcClient.connect(agent.wsUrl);
    await client.call("ping");
    await client.call("ping");
    await client.call("get_status");
    await client.call("no_such_method");
    const response = await fetch(`${healthUrl}/metrics`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain('camera_agent_rpc_requests_total{method="ping",outcome="ok"} 2');
    expect(text).toContain(
      'camera_agent_rpc_requests_total{method="get_status",outcome="-32001"} 1',
    );
    expect(text).toContain('camera_agent_rpc_requests_total{method="unknown",outcome="-32601"} 1');
    expect(text).toMatch(
      /camera_agent_rpc_request_duration_seconds_bucket\{method="ping",le="\+Inf"\} 2/,
    );
    expect(text).toContain("camera_agent_websocket_connections 1");
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^process_cpu_seconds_total [\d.e-]+$/m);
    for (const line of text.trim().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|[a-z_]+(\{[^}]*\})? [-+\d.eInfNa]+)$/);
    }
    await client.close();
  });
});

describe("status methods", () => {
  test("get_status, get_system_status, get_server_info and get_metrics match the contract", async () => {
    const client = await RpcClient.connect(agent.wsUrl);
    await client.authenticate(agent.token("admin"));
    await eventually(() => agent.agent.mediamtx.probe.state === "up");
    expect(await client.result("get_status")).toEqual({
      status: expect.stringMatching(/^(HEALTHY|DEGRADED|UNHEALTHY)$/),
      uptime: expect.any(Number),
      version: expect.any(String),
      components: {
        websocket_server: "RUNNING",
        camera_monitor: "RUNNING",
        mediamtx: "RUNNING",
      },
    });
    expect(await client.result("get_system_status")).toEqual({
      status: "ready",
      message: expect.any(String),
      available_cameras: [],
      discovery_active: true,
    });
    const info = (await client.result("get_server_info")) as Record<string, unknown>;
    expect(info).toEqual(
      expect.objectContaining({
        name: "camera-agent",
        version: expect.any(String),
        build_date: expect.any(String),
        go_version: expect.stringMatching(/^bun /),
        architecture: expect.stringMatching(/^(amd64|arm64)$/),
        capabilities: expect.any(Array),
        supported_formats: expect.any(Array),
      }),
    );
    expect(info.max_cameras).toBeGreaterThan(0);
    const metrics = (await client.result("get_metrics")) as Record<
      string,
      Record<string, number> | number | string
    >;
    const system = metrics.system_metrics as Record<string, number>;
    for (const key of ["cpu_usage", "memory_usage", "disk_usage"]) {
      expect(system[key]).toBeGreaterThanOrEqual(0);
      expect(system[key]).toBeLessThanOrEqual(100);
      expect(metrics[key]).toBe(system[key] as number);
    }
    expect(system.goroutines).toBeGreaterThanOrEqual(1);
    expect(metrics.stream_metrics).toEqual({
      active_streams: 0,
      total_streams: 0,
      total_viewers: 0,
    });
    await client.close();
  });
});

describe("rpc.discover", () => {
  test("an OpenRPC document listing every method with its params and role", async () => {
    const client = await RpcClient.connect(agent.wsUrl);
    expect((await client.call("rpc.discover")).error?.code).toBe(-32001);
    await client.authenticate(agent.token("viewer"));
    const document = (await client.result("rpc.discover")) as {
      openrpc: string;
      methods: Array<{
        name: string;
        params: Array<{ name: string; required: boolean }>;
        "x-required-role": string;
      }>;
    };
    expect(document.openrpc).toBe("1.2.6");
    const byName = new Map(document.methods.map((method) => [method.name, method]));
    expect([...byName.keys()].sort()).toEqual(
      [
        "authenticate",
        "get_metrics",
        "get_server_info",
        "get_status",
        "get_system_status",
        "ping",
        "rpc.discover",
        "get_camera_list",
        "get_camera_status",
        "get_camera_capabilities",
        "add_camera",
        "update_camera",
        "remove_camera",
        "get_camera_profiles",
        "discover_cameras",
        "ptz_move",
        "ptz_stop",
        "ptz_home",
        "get_ptz_presets",
        "set_ptz_preset",
        "goto_ptz_preset",
        "remove_ptz_preset",
        "subscribe_events",
        "unsubscribe_events",
        "get_subscription_stats",
        "get_streams",
        "get_stream_url",
        "get_stream_status",
        "list_recordings",
        "list_snapshots",
        "get_recording_info",
        "get_snapshot_info",
        "delete_recording",
        "delete_snapshot",
        "get_storage_info",
        "set_retention_policy",
        "cleanup_old_files",
        "start_recording",
        "stop_recording",
        "take_snapshot",
        "start_streaming",
        "stop_streaming",
        "create_backup",
        "list_backups",
        "delete_backup",
        "list_api_keys",
        "create_api_key",
        "revoke_api_key",
        "get_update_status",
        "install_update",
      ].sort(),
    );
    expect(byName.get("create_backup")?.["x-required-role"]).toBe("admin");
    expect(byName.get("authenticate")?.params.map((param) => param.name)).toEqual([
      "auth_token",
      "api_key",
    ]);
    expect(byName.get("get_status")?.["x-required-role"]).toBe("admin");
    expect(byName.get("ping")?.["x-required-role"]).toBe("none");
    await client.close();
  });
});

describe("who may read /health/detailed and /metrics", () => {
  // The routes as the listeners call them, with the peer address they pass (another machine
  // cannot be had on loopback; the x86-64 image test asks over QEMU's network).
  const ask = async (path: string, remoteAddress: string, headers: Record<string, string> = {}) => {
    const app = healthRoutes(agent.agent.services, () => "# metrics\n");
    const response = await app.fetch(new Request(`http://agent${path}`, { headers }), {
      remoteAddress,
    });
    return response.status;
  };

  test("from another machine they need a JWT or API key; /health, /live and /ready stay open", async () => {
    for (const path of ["/health/detailed", "/metrics"]) {
      expect(await ask(path, "192.168.1.9")).toBe(401);
      expect(await ask(path, "192.168.1.9", { "X-API-Key": "csk_wrong" })).toBe(401);
      const jwt = { Authorization: `Bearer ${agent.token("viewer")}` };
      expect(await ask(path, "192.168.1.9", jwt)).toBe(200);
      expect(await ask(path, "127.0.0.1")).toBe(200);
      expect(await ask(path, "::1")).toBe(200);
    }
    for (const path of ["/health", "/health/live", "/health/ready"]) {
      expect(await ask(path, "192.168.1.9")).toBe(200);
    }
  });

  test("health.details_need_auth: false opens them again", async () => {
    const services = agent.agent.services;
    const open = healthRoutes(
      {
        ...services,
        config: {
          ...services.config,
          health: { ...services.config.health, details_need_auth: false },
        },
      },
      () => "# metrics\n",
    );
    const response = await open.fetch(new Request("http://agent/metrics"), {
      remoteAddress: "192.168.1.9",
    });
    expect(response.status).toBe(200);
  });
});
