import { chmod, chown, mkdir, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { execa } from "execa";

/**
 * A self-signed EC certificate for the API port, valid ten years, for this host name,
 * localhost, 127.0.0.1 and ::1. openssl is given an argument list, never a shell string.
 */
export async function createSelfSignedCertificate(
  certFile: string,
  keyFile: string,
): Promise<void> {
  const host = hostname();
  await mkdir(dirname(certFile), { recursive: true, mode: 0o750 });
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o750 });
  const result = await execa(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "3650",
      "-subj",
      `/CN=${host}`,
      "-addext",
      `subjectAltName=DNS:${host},DNS:localhost,IP:127.0.0.1,IP:::1`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { reject: false, stdin: "ignore", env: { OPENSSL_CONF: "/dev/null" }, extendEnv: true },
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `openssl could not create the certificate: ${String(result.stderr).trim().split("\n").at(-1)}`,
    );
  }
  await chmod(certFile, 0o644);
  await chmod(keyFile, 0o640);
  // Run as root (the unit's ExecStartPre), the key would be unreadable by the agent's user:
  // the key and its directory take the group of the directory above (root:camera in /etc).
  if (process.getuid?.() === 0) {
    const { gid } = await stat(dirname(dirname(keyFile)));
    await chown(dirname(keyFile), 0, gid);
    await chown(keyFile, 0, gid);
  }
}
