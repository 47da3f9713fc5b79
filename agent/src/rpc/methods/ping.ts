import { z } from "zod";
import { defineMethod } from "../method.ts";

export const ping = defineMethod({
  name: "ping",
  role: null,
  description: 'Liveness check, callable before authentication; answers "pong".',
  params: z.unknown(),
  handler: () => "pong",
});
