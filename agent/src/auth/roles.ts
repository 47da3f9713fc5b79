import { z } from "zod";

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAtLeast(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

export const PERMISSIONS: Record<Role, readonly string[]> = {
  viewer: ["view"],
  operator: ["view", "control"],
  admin: ["view", "control", "admin"],
};
