#!/usr/bin/env node
// The update feed (latest.json) for a release, from its bundles and their
// updater signatures, in the format tauri-plugin-updater reads: one entry
// per platform key (`linux-x86_64-deb`, …), each with the bundle's URL and
// the contents of its `.sig`. The release workflow's publish job runs it;
// `tests/release/` runs it on made-up bundles.
//   node scripts/updater-manifest.mjs --dir DIR --version 0.2.0 --base-url URL [--notes TEXT]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

/** Which platform keys a signed bundle serves, by its file name; the first is the installer's own. */
export function platformsOf(name) {
  const arch = /aarch64|arm64/.test(name) ? "aarch64" : "x86_64";
  if (name.endsWith(".AppImage")) return [`linux-${arch}-appimage`, `linux-${arch}`];
  if (name.endsWith(".deb")) return [`linux-${arch}-deb`];
  if (name.endsWith(".rpm")) return [`linux-${arch}-rpm`];
  if (name.endsWith(".app.tar.gz")) return [`darwin-${arch}-app`, `darwin-${arch}`];
  if (name.endsWith("-setup.exe")) return [`windows-${arch}-nsis`, `windows-${arch}`];
  if (name.endsWith(".msi")) return [`windows-${arch}-msi`];
  return [];
}

/** The manifest for the signed bundles among `files` (`name -> signature`). */
export function manifest({ files, version, baseUrl, notes, pubDate }) {
  const platforms = {};
  const bundles = Object.keys(files).filter((f) => !f.endsWith(".sig") && files[`${f}.sig`] !== undefined).sort();
  for (const name of bundles) {
    const entry = { signature: files[`${name}.sig`].trim(), url: `${baseUrl.replace(/\/$/, "")}/${encodeURIComponent(name)}` };
    for (const [i, key] of platformsOf(name).entries()) {
      // The generic key (`linux-x86_64`) goes to the first installer that claims it, AppImage before others.
      if (i === 0 || platforms[key] === undefined) platforms[key] = entry;
    }
  }
  if (Object.keys(platforms).length === 0) throw new Error("no signed bundle: nothing to offer");
  return { version, notes, pub_date: pubDate, platforms };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { dir: { type: "string" }, version: { type: "string" }, "base-url": { type: "string" }, notes: { type: "string", default: "" } },
  });
  for (const need of ["dir", "version", "base-url"]) {
    if (!values[need]) {
      console.error(`updater-manifest: --${need} is required`);
      process.exit(2);
    }
  }
  const files = {};
  for (const name of readdirSync(values.dir)) {
    files[name] = name.endsWith(".sig") ? readFileSync(join(values.dir, name), "utf8") : "";
  }
  const out = manifest({ files, version: values.version, baseUrl: values["base-url"], notes: values.notes, pubDate: new Date().toISOString() });
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
