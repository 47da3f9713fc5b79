import { z } from "zod";
import { defineMethod } from "../method.ts";

const topic = z.string().min(1).max(128);

export const subscribeEvents = defineMethod({
  name: "subscribe_events",
  role: "viewer",
  description:
    'Adds topics (union with earlier calls) and optional exact-match filters such as {device: "camera0"}.',
  params: z.object({
    topics: z.array(topic).min(1).max(64),
    filters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  }),
  handler: ({ topics, filters }, { connection }) => {
    connection.subscriptions.add(topics, filters ?? {});
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
