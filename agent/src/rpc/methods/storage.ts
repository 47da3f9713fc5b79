import { z } from "zod";
import { policySchema } from "../../media/retention.ts";
import { defineMethod } from "../method.ts";

export const getStorageInfo = defineMethod({
  name: "get_storage_info",
  role: "admin",
  description:
    "Space on the storage volume, what recordings and snapshots use, and the low-space warning.",
  params: z.object({}),
  async handler(_params, { services }) {
    const storage = await services.library.storage();
    return {
      total_space: storage.totalBytes,
      used_space: storage.usedBytes,
      available_space: storage.availableBytes,
      recordings_size: storage.recordingsBytes,
      snapshots_size: storage.snapshotsBytes,
      usage_percentage: Math.round(storage.usedPercent * 100) / 100,
      low_space_warning: storage.lowSpace,
    };
  },
});

export const setRetentionPolicy = defineMethod({
  name: "set_retention_policy",
  role: "admin",
  description:
    "Sets (and keeps across restarts) how old or how large recordings and snapshots may grow.",
  params: policySchema
    .refine((policy) => policy.policy_type !== "age" || policy.max_age_days !== undefined, {
      message: "an age policy needs max_age_days",
      path: ["max_age_days"],
    })
    .refine((policy) => policy.policy_type !== "size" || policy.max_size_gb !== undefined, {
      message: "a size policy needs max_size_gb",
      path: ["max_size_gb"],
    }),
  handler: (policy, { services }) => {
    services.retention.setPolicy(policy);
    services.log.info(policy, "retention policy set");
    return {
      ...policy,
      message: `retention policy set: ${policy.policy_type}${policy.enabled ? "" : " (disabled)"}`,
    };
  },
});

export const cleanupOldFiles = defineMethod({
  name: "cleanup_old_files",
  role: "admin",
  description: "Applies the retention policy now; files written in the last minute are kept.",
  params: z.object({}),
  handler: (_params, { services }) => services.retention.cleanup(),
});
