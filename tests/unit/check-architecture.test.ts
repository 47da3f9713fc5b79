// The architecture check itself: it must see a cycle and an upward import, or it guards nothing.
import { describe, expect, test } from "bun:test";
import { cycles, importsOf, LAYERS, layerOf } from "../../scripts/check-architecture.ts";

describe("architecture check", () => {
  test("finds cycles, type-only ones included, and nothing in an acyclic graph", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(cycles(graph)).toEqual([["a.ts", "b.ts", "c.ts"]]);
    graph.set("c.ts", []);
    expect(cycles(graph)).toEqual([]);
  });

  test("reads relative imports, type-only and multi-line ones, not packages or data outside src", () => {
    const file = `${import.meta.dir}/../../agent/src/media/example.ts`;
    const text = [
      'import { z } from "zod";',
      'import type { Camera } from "../cameras/types.ts";',
      "import {\n  a,\n  b,\n} from './files.ts';",
      'import pkg from "../../../package.json";',
    ].join("\n");
    expect(importsOf(file, text)).toEqual(["cameras/types.ts", "media/files.ts"]);
  });

  test("layers: the domain sits above the registry and below the edges", () => {
    const name = (path: string) => LAYERS[layerOf(path)]?.name;
    expect(name("media/recording-control.ts")).toBe("domain");
    expect(name("cameras/registry.ts")).toBe("registry");
    expect(name("cameras/usb/discovery.ts")).toBe("sources");
    expect(name("rpc/methods/status.ts")).toBe("edges");
    expect(layerOf("rpc/errors.ts")).toBeGreaterThan(layerOf("media/storage-guard.ts"));
    expect(layerOf("mediamtx/reconcile-loop.ts")).toBeGreaterThan(
      layerOf("media/stream-control.ts"),
    );
  });
});
