// A/B system updates (docs/update.md): the status, and installs of signed RAUC bundles.
import { z } from "zod";
import { defineMethod } from "../method.ts";

export const getUpdateStatus = defineMethod({
  name: "get_update_status",
  role: "viewer",
  description:
    "The A/B update state: booted slot, the slot the next boot starts, each slot's state (good/bad) and installed version, a pending trial boot, and the last update's result with its reason.",
  params: z.object({}),
  handler: (_params, { services }) => services.updates.status(),
});

const source = z
  .string()
  .max(4096)
  .refine((value) => /^https:\/\/\S+$/.test(value) || /^\/[^\0]*$/.test(value), {
    message: "must be an absolute path on the device or an https:// URL",
  });

export const installUpdate = defineMethod({
  name: "install_update",
  role: "admin",
  description:
    "Installs a signed update bundle (a path on the device or an https URL) into the other slot after a config backup, with update_progress notifications; the next boot tries it once and the health gate commits or rolls it back. Refused while recording unless force.",
  params: z.object({
    source,
    reboot: z.boolean().default(false),
    force: z.boolean().default(false),
  }),
  handler: async (params, { services }) => ({
    installed: true,
    ...(await services.updates.install(params)),
  }),
});
