// What this system knows about its A/B updates (docs/update.md): RAUC's view of the two root
// slots, asked through its D-Bus service (the image's bus policy lets the agent's user read
// it), and what the boot backend and health gate keep on the data partition.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { z } from "zod";

/** Where the image's update scripts keep their state (state.sh). */
export const UPDATE_STATE_DIR = "/var/lib/camera-update";
/** Present on A/B images only; installer hosts update with install.sh. */
export const RAUC_SYSTEM_CONF = "/etc/rauc/system.conf";

const slotSchema = z.object({
  bootname: z.string(),
  state: z.string(),
  boot_status: z.string().optional(),
  slot_status: z
    .object({
      bundle: z.object({ version: z.string().nullish() }).partial().optional(),
      installed: z.object({ timestamp: z.string().nullish() }).partial().optional(),
    })
    .partial()
    .optional(),
});

/** `rauc status --detailed --output-format=json` (RAUC 1.8). */
const raucStatusSchema = z.object({
  compatible: z.string(),
  booted: z.string(),
  boot_primary: z.string().nullish(),
  slots: z.array(z.record(z.string(), slotSchema)),
});

const resultSchema = z.object({
  slot: z.string(),
  result: z.enum(["committed", "rolled-back"]),
  reason: z.string(),
  at: z.string(),
});

export interface SlotStatus {
  name: string;
  booted: boolean;
  /** The boot backend's verdict: bad = never boots again until reinstalled. */
  state: "good" | "bad";
  /** The installed bundle's version; null for the factory image's slot or an empty slot. */
  version: string | null;
  installed_at: string | null;
}

export type UpdateStatus =
  | { supported: false; reason: string }
  | {
      supported: true;
      compatible: string;
      booted_slot: string;
      /** The slot the next boot starts (a trial armed by an install, else the committed one). */
      next_boot_slot: string;
      /** The slot an install armed a trial boot of, until the health gate decides. */
      trial_pending: string | null;
      slots: SlotStatus[];
      last_result: z.infer<typeof resultSchema> | null;
    };

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
}

export async function readUpdateStatus(
  stateDir = UPDATE_STATE_DIR,
  systemConf = RAUC_SYSTEM_CONF,
): Promise<UpdateStatus> {
  if ((await readOptional(systemConf)) === undefined) {
    return {
      supported: false,
      reason: "this system is not an A/B image (no RAUC); update it with install.sh",
    };
  }
  const { stdout } = await execa("rauc", ["status", "--detailed", "--output-format=json"], {
    timeout: 15_000,
  });
  const rauc = raucStatusSchema.parse(JSON.parse(stdout));
  const slots = rauc.slots.flatMap((entry) => Object.entries(entry));
  const shown = slots
    .filter(([name]) => name.startsWith("rootfs."))
    .map(([, slot]) => ({
      name: slot.bootname,
      booted: slot.state === "booted",
      state: slot.boot_status === "good" ? ("good" as const) : ("bad" as const),
      version: slot.slot_status?.bundle?.version ?? null,
      installed_at: slot.slot_status?.installed?.timestamp ?? null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const primary = slots.find(([name]) => name === rauc.boot_primary)?.[1].bootname;
  const trial = (await readOptional(join(stateDir, "trial")))?.trim() || null;
  const result = await readOptional(join(stateDir, "result.json"));
  return {
    supported: true,
    compatible: rauc.compatible,
    booted_slot: rauc.booted,
    next_boot_slot: primary ?? rauc.booted,
    trial_pending: trial,
    slots: shown,
    last_result: result ? resultSchema.parse(JSON.parse(result)) : null,
  };
}
