import { ApiKeyStore } from "../auth/api-keys.ts";
import { configFor } from "./cli-config.ts";
import { parseDurationOption, parseRole } from "./parse-values.ts";
import { UsageError } from "./usage.ts";

export interface KeysOptions {
  config?: string;
  role?: string;
  name?: string;
  expires?: string;
  json?: boolean;
}

export async function keysCommand(
  action: string | undefined,
  target: string | undefined,
  options: KeysOptions,
): Promise<void> {
  const { config } = await configFor(options.config);
  const store = new ApiKeyStore(config.security.api_keys_file);
  switch (action) {
    case "create": {
      const role = parseRole(options.role);
      if (!options.name) throw new UsageError("keys create needs --name NAME");
      const expiresInMs =
        options.expires === undefined
          ? undefined
          : parseDurationOption("--expires", options.expires);
      const { key, record } = await store.create({ name: options.name, role, expiresInMs });
      console.error(
        `created ${record.id} "${record.name}" (${record.role}, expires ${record.expires_at ?? "never"}); store the key now, it is not shown again:`,
      );
      console.log(key);
      return;
    }
    case "list": {
      const rows = await store.listed();
      if (options.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) {
        console.log("no API keys");
        return;
      }
      const table = [
        ["ID", "NAME", "ROLE", "STATUS", "CREATED", "EXPIRES"],
        ...rows.map((row) => [
          row.id,
          row.name,
          row.role,
          row.status,
          row.created_at,
          row.expires_at ?? "never",
        ]),
      ];
      const widths =
        table[0]?.map((_, i) => Math.max(...table.map((line) => line[i]?.length ?? 0))) ?? [];
      for (const line of table) {
        console.log(
          line
            .map((cell, i) => cell.padEnd(widths[i] ?? 0))
            .join("  ")
            .trimEnd(),
        );
      }
      return;
    }
    case "revoke": {
      if (!target) throw new UsageError("keys revoke needs the key's ID or NAME");
      const record = await store.revoke(target);
      if (!record) throw new Error(`no API key with id or name "${target}"`);
      console.log(`revoked ${record.id} "${record.name}" at ${record.revoked_at}`);
      return;
    }
    default:
      throw new UsageError("keys needs one of: create, list, revoke");
  }
}
