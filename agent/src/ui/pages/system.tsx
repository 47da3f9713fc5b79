import type { ListedApiKey } from "../../auth/api-keys.ts";
import type { BuildInfo } from "../../build-info.ts";
import type { StorageReport } from "../../media/media-library.ts";
import type { RetentionPolicy } from "../../media/retention.ts";
import type { HealthSnapshot } from "../../status/health.ts";
import type { UpdateStatus } from "../../update/update-status.ts";
import { formatBytes, RpcButton } from "../components.tsx";
import { type AssetUrls, can, Page, type Viewer } from "../layout.tsx";

export interface BackupEntry {
  name: string;
  size: number;
  created: string;
  encrypted: boolean;
  url: string;
}

export function SystemPage(props: {
  viewer: Viewer;
  assets: AssetUrls;
  build: BuildInfo;
  health: HealthSnapshot;
  update: UpdateStatus;
  backups: BackupEntry[] | undefined;
}) {
  const { health, update, build } = props;
  const admin = can(props.viewer, "admin");
  return (
    <Page title="System" viewer={props.viewer} assets={props.assets} current="/system">
      <section>
        <h2>Health</h2>
        <p>
          <span class={`badge ${health.status}`}>{health.status}</span>{" "}
          {health.ready ? "ready" : `not ready: ${health.notReady ?? "starting"}`}
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">State</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {health.components.map((component) => (
              <tr>
                <td>{component.name}</td>
                <td>
                  <span class={`badge ${component.health}`}>{component.health}</span>
                </td>
                <td>{component.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>Software</h2>
        <dl class="facts">
          <dt>Version</dt>
          <dd>{build.version}</dd>
          <dt>Commit</dt>
          <dd>{build.commit}</dd>
          <dt>Built</dt>
          <dd>{build.buildDate}</dd>
          <dt>Runtime</dt>
          <dd>
            {build.runtime} ({build.architecture})
          </dd>
        </dl>
      </section>
      <section>
        <h2>Updates</h2>
        {update.supported ? (
          <>
            <p>
              Booted from <strong>{update.booted_slot}</strong>; the next boot starts{" "}
              <strong>{update.next_boot_slot}</strong>
              {update.trial_pending ? ` (trial of ${update.trial_pending} pending)` : ""}.
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Slot</th>
                  <th scope="col">State</th>
                  <th scope="col">Version</th>
                  <th scope="col">Installed</th>
                </tr>
              </thead>
              <tbody>
                {update.slots.map((slot) => (
                  <tr>
                    <td>
                      {slot.name}
                      {slot.booted ? " (booted)" : ""}
                    </td>
                    <td>{slot.state}</td>
                    <td>{slot.version ?? "factory"}</td>
                    <td>{slot.installed_at ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {update.last_result ? (
              <p>
                Last update: {update.last_result.result} ({update.last_result.slot},{" "}
                {update.last_result.at}): {update.last_result.reason}
              </p>
            ) : null}
            {admin ? (
              <form data-rpc="install_update" data-after="notice" data-progress="update_progress">
                <label for="bundle">Bundle (a path on the device or an https:// URL)</label>
                <input id="bundle" name="source" required maxlength={4096} />
                <label>
                  <input type="checkbox" name="reboot" /> Reboot into it when installed
                </label>
                <label>
                  <input type="checkbox" name="force" /> Even while recording
                </label>
                <button type="submit" class="primary">
                  Install update
                </button>
                <progress max="100" value="0" hidden></progress>
              </form>
            ) : null}
          </>
        ) : (
          <p>{update.reason}</p>
        )}
      </section>
      {props.backups ? (
        <section>
          <h2>Config backups</h2>
          <RpcButton
            method="create_backup"
            label="Create a backup now"
            after="reload"
            kind="primary"
          />
          {props.backups.length === 0 ? <p class="empty">No backups yet.</p> : null}
          <ul class="rows">
            {props.backups.map((backup) => (
              <li>
                <span>
                  {backup.name} · {formatBytes(backup.size)} · {backup.created}
                  {backup.encrypted ? " · encrypted" : ""}
                </span>
                <a href={backup.url} download={backup.name}>
                  Download
                </a>
                <RpcButton
                  method="delete_backup"
                  params={{ filename: backup.name }}
                  label="Delete"
                  kind="danger"
                  after="reload"
                  confirm={`Delete ${backup.name}?`}
                />
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </Page>
  );
}

export function StoragePage(props: {
  viewer: Viewer;
  assets: AssetUrls;
  storage: StorageReport;
  policy: RetentionPolicy;
}) {
  const { storage, policy } = props;
  return (
    <Page title="Storage" viewer={props.viewer} assets={props.assets} current="/storage">
      <section>
        <p>
          <meter min="0" max="100" value={storage.usedPercent} high={70} optimum={0}>
            {storage.usedPercent.toFixed(1)}%
          </meter>{" "}
          {storage.usedPercent.toFixed(1)}% used: {formatBytes(storage.usedBytes)} of{" "}
          {formatBytes(storage.totalBytes)}, {formatBytes(storage.availableBytes)} free
          {storage.lowSpace ? <strong class="error-text"> — low on space</strong> : null}
        </p>
        <p>
          Recordings {formatBytes(storage.recordingsBytes)}, snapshots{" "}
          {formatBytes(storage.snapshotsBytes)}.
        </p>
      </section>
      <section>
        <h2>Retention</h2>
        <form data-rpc="set_retention_policy" data-after="reload">
          <label for="policy_type">Delete old files by</label>
          <select id="policy_type" name="policy_type">
            {(["age", "size", "manual"] as const).map((type) => (
              <option value={type} selected={policy.policy_type === type}>
                {type}
              </option>
            ))}
          </select>
          <label for="max_age_days">Keep days (age)</label>
          <input
            id="max_age_days"
            name="max_age_days"
            type="number"
            min="1"
            value={policy.max_age_days}
          />
          <label for="max_size_gb">Keep GB (size)</label>
          <input
            id="max_size_gb"
            name="max_size_gb"
            type="number"
            min="0.1"
            step="0.1"
            value={policy.max_size_gb}
          />
          <label>
            <input type="checkbox" name="enabled" checked={policy.enabled} /> Enabled
          </label>
          <button type="submit" class="primary">
            Save
          </button>
        </form>
        <RpcButton method="cleanup_old_files" label="Clean up now" after="reload" />
      </section>
    </Page>
  );
}

export function KeysPage(props: { viewer: Viewer; assets: AssetUrls; keys: ListedApiKey[] }) {
  return (
    <Page title="API keys" viewer={props.viewer} assets={props.assets} current="/keys">
      <section>
        <h2>New key</h2>
        <form data-rpc="create_api_key" data-after="key">
          <label for="key-name">Name</label>
          <input
            id="key-name"
            name="name"
            required
            maxlength={64}
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
          />
          <label for="key-role">Role</label>
          <select id="key-role" name="role">
            <option value="viewer">viewer (watch)</option>
            <option value="operator">operator (control cameras)</option>
            <option value="admin">admin (everything)</option>
          </select>
          <label for="key-expires">Expires in (e.g. 30d; empty: never)</label>
          <input id="key-expires" name="expires_in" maxlength={32} />
          <button type="submit" class="primary">
            Create key
          </button>
        </form>
        <div class="new-key" data-new-key hidden>
          <p>
            <strong>Copy this key now: it is not shown again.</strong>
          </p>
          <input id="new-key-value" readonly aria-label="The new key" />
          <button type="button" data-copy="new-key-value">
            Copy
          </button>
        </div>
      </section>
      <section>
        <h2>Keys</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.keys.map((key) => (
              <tr data-key={key.id}>
                <td>{key.name}</td>
                <td>{key.role}</td>
                <td>{key.status}</td>
                <td>{key.created_at}</td>
                <td>{key.expires_at ?? "never"}</td>
                <td>
                  {key.status === "active" ? (
                    <RpcButton
                      method="revoke_api_key"
                      params={{ key: key.id }}
                      label="Revoke"
                      kind="danger"
                      after="reload"
                      confirm={`Revoke ${key.name}? Everything using it stops working.`}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Page>
  );
}
