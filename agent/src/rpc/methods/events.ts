import { z } from "zod";
import { MAX_TOPICS_PER_SOCKET } from "../../notifications/subscriptions.ts";
import { rpcErrors } from "../errors.ts";
import { defineMethod } from "../method.ts";

const topic = z.string().min(1).max(128);
/** Filters are exact matches on an event's few fields: a handful of short keys is plenty. */
const MAX_FILTER_KEYS = 16;

export const subscribeEvents = defineMethod({
  name: "subscribe_events",
  role: "viewer",
  description:
    'Adds topics (union with earlier calls, at most 64 per session) and optional exact-match filters such as {device: "camera0"} (at most 16 keys).',
  params: z.object({
    topics: z.array(topic).min(1).max(MAX_TOPICS_PER_SOCKET),
    filters: z
      .record(z.string().min(1).max(64), z.union([z.string().max(256), z.number(), z.boolean()]))
      .refine((filters) => Object.keys(filters).length <= MAX_FILTER_KEYS, {
        message: `at most ${MAX_FILTER_KEYS} filter keys`,
      })
      .optional(),
  }),
  handler: ({ topics, filters }, { connection }) => {
    if (!connection.subscriptions.add(topics, filters ?? {})) {
      throw rpcErrors.invalidParams(
        "topics",
        "max_topics",
        `a session may hold at most ${MAX_TOPICS_PER_SOCKET} topics (this one has ${connection.subscriptions.size}); unsubscribe_events first`,
      );
    }
    return { subscribed: true, topics: connection.subscriptions.list(), filters: filters ?? {} };
  },
});

export const unsubscribeEvents = defineMethod({
  name: "unsubscribe_events",
  role: "viewer",
  description: "Removes the given topics, or all of them when none are given.",
  params: z.object({ topics: z.array(topic).max(64).optional() }),
  handler: ({ topics }, { connection }) => ({
    unsubscribed: true,
    topics: connection.subscriptions.remove(topics),
  }),
});

export const getSubscriptionStats = defineMethod({
  name: "get_subscription_stats",
  role: "viewer",
  description: "Subscription counts across all sessions, and this session's own topics.",
  params: z.object({}),
  handler: (_params, { connection, services }) => ({
    global_stats: services.notifier.stats(),
    client_topics: connection.subscriptions.list(),
    client_id: connection.id,
  }),
});
