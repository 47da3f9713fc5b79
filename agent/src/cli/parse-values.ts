import { type Role, roleSchema } from "../auth/roles.ts";
import { parseDuration } from "../util/duration.ts";
import { UsageError } from "./usage.ts";

export function parseRole(value: string | undefined): Role {
  const role = roleSchema.safeParse(value);
  if (!role.success) throw new UsageError("--role must be viewer, operator or admin");
  return role.data;
}

export function parseDurationOption(name: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`${name} must be a duration such as 90s, 15m, 12h or 30d`);
  }
  return ms;
}
