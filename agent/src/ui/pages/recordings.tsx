import { formatBytes, RpcButton } from "../components.tsx";
import { type AssetUrls, can, Page, type Viewer } from "../layout.tsx";

export interface LibraryEntry {
  kind: "recording" | "snapshot";
  name: string;
  camera: string;
  size: number;
  /** ISO time of the last write (a recording's end). */
  modified: string;
  /** Signed, relative: plays and downloads without another login. */
  url: string;
}

export interface LibraryFilter {
  camera: string;
  date: string;
  cameras: string[];
}

/** Recordings and snapshots, newest first, grouped by day; filtered by camera and date. */
export function RecordingsPage(props: {
  viewer: Viewer;
  assets: AssetUrls;
  filter: LibraryFilter;
  entries: LibraryEntry[];
  truncated: boolean;
}) {
  const { filter } = props;
  const days = new Map<string, LibraryEntry[]>();
  for (const entry of props.entries) {
    const day = entry.modified.slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), entry]);
  }
  const admin = can(props.viewer, "admin");
  return (
    <Page
      title="Recordings and snapshots"
      viewer={props.viewer}
      assets={props.assets}
      current="/recordings"
    >
      <form method="get" action="/recordings" class="filter">
        <label for="camera">Camera</label>
        <select id="camera" name="camera">
          <option value="">all</option>
          {filter.cameras.map((id) => (
            <option value={id} selected={id === filter.camera}>
              {id}
            </option>
          ))}
        </select>
        <label for="date">Day (UTC)</label>
        <input id="date" name="date" type="date" value={filter.date} />
        <button type="submit">Show</button>
      </form>
      {props.truncated ? (
        <p class="hint">
          Only the newest files are listed; choose a camera or a day to see older ones.
        </p>
      ) : null}
      {props.entries.length === 0 ? <p class="empty">Nothing recorded here yet.</p> : null}
      {[...days].map(([day, entries]) => (
        <section>
          <h2>{day}</h2>
          <ul class="files">
            {entries.map((entry) => (
              <li data-file={entry.name}>
                {entry.kind === "snapshot" ? (
                  <img src={entry.url} alt={`Snapshot ${entry.name}`} loading="lazy" />
                ) : (
                  <video
                    controls
                    muted
                    preload="none"
                    src={entry.url}
                    aria-label={`Recording ${entry.name}`}
                  ></video>
                )}
                <div class="file-facts">
                  <span class="file-name">{entry.name}</span>
                  <span class="meta">
                    {entry.camera} · {entry.modified.slice(11, 19)} UTC · {formatBytes(entry.size)}
                  </span>
                  <a href={entry.url} download={entry.name}>
                    Download
                  </a>
                  {admin ? (
                    <RpcButton
                      method={`delete_${entry.kind}`}
                      params={{ filename: entry.name }}
                      label="Delete"
                      kind="danger"
                      after="reload"
                      confirm={`Delete ${entry.name}?`}
                    />
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Page>
  );
}
