import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/prometheus.ts";
import type { AgentServices } from "../services.ts";
import { formatGoDuration } from "../util/duration.ts";
import { isLoopback } from "../util/loopback.ts";
import { isoUtc } from "../util/time.ts";
import { requireIdentity } from "./identity.ts";
import type { PeerRoutes } from "./servers.ts";

const NO_CACHE = { "Cache-Control": "no-cache, no-store, must-revalidate" };

/**
 * Health (contract §11, D5) and Prometheus metrics, no secrets in bodies. /health, /live and
 * /ready are open to all (load balancers, the update health gate); /health/detailed and
 * /metrics tell versions, the commit and failed-login counts, so from another machine they
 * need a credential unless health.details_need_auth is off.
 */
export function healthRoutes(
  services: AgentServices,
  renderMetrics: () => string,
): Hono<PeerRoutes> {
  const app = new Hono<PeerRoutes>();
  const uptimeMs = () => Date.now() - services.startedAt;

  // Its own paths only: this app is mounted at the API port's root beside files and the UI.
  for (const path of ["/health", "/health/*", "/metrics"]) {
    app.use(path, async (c, next) => {
      await next();
      for (const [name, value] of Object.entries(NO_CACHE)) c.header(name, value);
    });
  }

  const detailsGuard = requireIdentity(services, (c) => {
    const remote = c.env?.remoteAddress;
    const local = remote === undefined || isLoopback(remote);
    return local || !services.config.health.details_need_auth;
  });
  app.use("/health/detailed", detailsGuard);
  app.use("/metrics", detailsGuard);

  app.get("/health", async (c) => {
    const snapshot = await services.health.snapshot();
    return c.json({
      status: snapshot.status,
      timestamp: isoUtc(),
      version: services.build.version,
      uptime: formatGoDuration(uptimeMs()),
    });
  });

  app.get("/health/live", (c) =>
    c.json({ alive: true, timestamp: isoUtc(), message: "camera-agent is alive" }),
  );

  app.get("/health/ready", async (c) => {
    const snapshot = await services.health.snapshot();
    if (snapshot.ready) {
      return c.json({ ready: true, timestamp: isoUtc(), message: "camera-agent is ready" });
    }
    return c.json(
      { ready: false, timestamp: isoUtc(), message: `System not ready: ${snapshot.notReady}` },
      503,
    );
  });

  app.get("/health/detailed", async (c) => {
    const snapshot = await services.health.snapshot();
    const count = (level: string) =>
      snapshot.components.filter((component) => component.health === level).length;
    return c.json({
      status: snapshot.status,
      timestamp: isoUtc(),
      version: services.build.version,
      uptime: formatGoDuration(uptimeMs()),
      components: snapshot.components.map((component) => ({
        name: component.name,
        status: component.health,
        state: component.state,
        message: component.message,
        last_checked: component.checkedAt,
        details: component.details,
      })),
      signals: snapshot.signals,
      metrics: {
        uptime_seconds: Math.floor(uptimeMs() / 1000),
        component_count: snapshot.components.length,
        components_healthy: count("healthy"),
        components_degraded: count("degraded"),
        components_unhealthy: count("unhealthy"),
      },
      environment: "production",
    });
  });

  app.get("/metrics", (c) =>
    c.body(renderMetrics(), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE }),
  );

  app.notFound((c) => c.json({ error: "not found", timestamp: isoUtc(), status: 404 }, 404));
  app.onError((error, c) => {
    services.log.error({ err: error, path: c.req.path }, "HTTP handler failed");
    return c.json({ error: "internal error", timestamp: isoUtc(), status: 500 }, 500);
  });
  return app;
}
