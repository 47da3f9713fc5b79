// The image's compiled-code cache for Ansible payloads
// (image/mkosi.extra/usr/lib/python3/dist-packages/camera_appliance_ansible_cache.py), run by
// the host's /usr/bin/python3: Debian bookworm's 3.11, the image's Python. Every compile is
// counted, so a test sees whether the code came from the cache, from one compile per module, or
// from stock zipimport's two.
import { afterEach, beforeEach, expect, test } from "bun:test";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MODULE_DIR = join(import.meta.dir, "../../image/mkosi.extra/usr/lib/python3/dist-packages");

// Imports pkg.mod from the zip, calls what raises, and reports what was compiled.
const DRIVER = `
import builtins, json, sys, traceback
sys.path.insert(0, sys.argv[1])
import camera_appliance_ansible_cache as cache
cache.MAX_ENTRIES = int(sys.argv[4])
cache.install(sys.argv[2])
compiled = []
stock_compile = builtins.compile
def counting(source, filename, *args, **kwargs):
    compiled.append(filename)
    return stock_compile(source, filename, *args, **kwargs)
builtins.compile = counting
sys.path.insert(0, sys.argv[3])
import pkg.mod
try:
    pkg.mod.boom()
except ValueError as error:
    frame = traceback.extract_tb(error.__traceback__)[-1].filename
print(json.dumps({"value": pkg.mod.VALUE, "compiled": compiled, "file": pkg.mod.__file__, "frame": frame}))
`;

// A zip with a package and a module, written by Python's zipfile as Ansible's are.
const MAKE_ZIP = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("pkg/__init__.py", "")
    z.writestr("pkg/mod.py", "VALUE = 42\\n\\ndef boom():\\n    raise ValueError('boom')\\n")
`;

type Report = { value: number; compiled: string[]; file: string; frame: string };

let work = "";
let cacheDir = "";

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "ansible-cache-"));
  chmodSync(work, 0o755);
  cacheDir = join(work, "cache");
  mkdirSync(cacheDir, { mode: 0o700 });
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

function python(args: string[], prefix: string[] = []): string {
  const result = Bun.spawnSync([...prefix, "/usr/bin/python3", "-S", ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    throw new Error(`python3 ${args[0]?.slice(0, 20)}: ${result.stderr.toString()}`);
  }
  return result.stdout.toString();
}

/** A fresh zip as AnsiballZ makes one: a new temporary directory each run. */
function payload(name = "ansible_ansible.legacy.uri_payload.zip"): string {
  const directory = mkdtempSync(join(work, "ansible_ansible.legacy.uri_payload_"));
  chmodSync(directory, 0o755);
  const zip = join(directory, name);
  python(["-c", MAKE_ZIP, zip]);
  return zip;
}

function run(zip: string, options: { maxEntries?: number; prefix?: string[] } = {}): Report {
  const args = ["-c", DRIVER, MODULE_DIR, cacheDir, zip, String(options.maxEntries ?? 2048)];
  return JSON.parse(python(args, options.prefix)) as Report;
}

const entries = () => readdirSync(cacheDir);

test("a payload's modules are compiled once on a miss, and taken from the cache after", () => {
  const first = payload();
  const miss = run(first);
  expect(miss.value).toBe(42);
  expect(miss.compiled).toEqual([`${first}/pkg/__init__.py`, `${first}/pkg/mod.py`]);
  expect(entries()).toHaveLength(2);

  const second = payload();
  const hit = run(second);
  expect(hit).toEqual({
    value: 42,
    compiled: [],
    file: `${second}/pkg/mod.py`,
    // The cached code was compiled from the first zip: tracebacks still name this one.
    frame: `${second}/pkg/mod.py`,
  });
});

test("other zips, a cache directory open to others, and other users import as stock Python", () => {
  const stockTwice = (zip: string) => [
    `${zip}/pkg/__init__.py`,
    `${zip}/pkg/__init__.py`,
    `${zip}/pkg/mod.py`,
    `${zip}/pkg/mod.py`,
  ];
  const other = payload("library.zip");
  expect(run(other).compiled).toEqual(stockTwice(other));
  expect(entries()).toHaveLength(0);

  chmodSync(cacheDir, 0o755);
  const open = payload();
  expect(run(open).compiled).toEqual(stockTwice(open));
  expect(entries()).toHaveLength(0);

  chmodSync(cacheDir, 0o777);
  const nobody = payload();
  const asNobody = run(nobody, {
    prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
  });
  expect(asNobody.compiled).toEqual(stockTwice(nobody));
  expect(entries()).toHaveLength(0);
});

test("a damaged entry is compiled again and replaced", () => {
  run(payload());
  // Still valid bytecode, of other code: the module would lack VALUE if it were used.
  let damagedEntries = 0;
  for (const name of entries()) {
    const entry = join(cacheDir, name);
    const bytes = readFileSync(entry);
    const at = bytes.indexOf("VALUE");
    if (at < 0) continue;
    bytes.write("VALUF", at);
    writeFileSync(entry, bytes);
    damagedEntries += 1;
  }
  expect(damagedEntries).toBe(1);
  const damaged = payload();
  const recompiled = run(damaged);
  expect(recompiled.value).toBe(42);
  expect(recompiled.compiled).toEqual([`${damaged}/pkg/mod.py`]);
  expect(run(payload()).compiled).toEqual([]);

  // What a power cut can leave of an entry written just before it.
  for (const name of entries()) writeFileSync(join(cacheDir, name), "");
  expect(run(payload()).compiled).toHaveLength(2);
});

test("the cache directory stays within its bound", () => {
  const report = run(payload(), { maxEntries: 1 });
  expect(report.value).toBe(42);
  expect(entries()).toHaveLength(1);
});
