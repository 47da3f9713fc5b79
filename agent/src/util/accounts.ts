import { readFile } from "node:fs/promises";

/** A passwd- or group-style file's name → id pairs; empty when it cannot be read. */
async function table(path: string): Promise<Array<[string, number]>> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .map((line) => line.split(":"))
    .filter((fields) => fields.length >= 3 && fields[0] && /^\d+$/.test(fields[2] ?? ""))
    .map((fields) => [fields[0] as string, Number(fields[2])]);
}

/** This system's users and groups, both ways: backups record owners by name and id. */
export async function localAccounts(): Promise<{
  userName: Map<number, string>;
  groupName: Map<number, string>;
  userId: Map<string, number>;
  groupId: Map<string, number>;
}> {
  const users = await table("/etc/passwd");
  const groups = await table("/etc/group");
  return {
    userName: new Map(users.map(([name, id]) => [id, name])),
    groupName: new Map(groups.map(([name, id]) => [id, name])),
    userId: new Map(users),
    groupId: new Map(groups),
  };
}
