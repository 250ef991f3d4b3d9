// The release's update feed, built from made-up bundles as the publish job
// builds it from the real ones (`node --test tests/release/`, run by scripts/test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { manifest, platformsOf } from "../../scripts/updater-manifest.mjs";

const base = "https://github.com/ilert-desktop/ilert-desktop/releases/download/v0.2.0";

test("every installer gets its own key and the generic one goes to the AppImage", () => {
  const files = {
    "ilert.Desktop_0.2.0_amd64.AppImage": "", "ilert.Desktop_0.2.0_amd64.AppImage.sig": "sig-appimage\n",
    "ilert.Desktop_0.2.0_amd64.deb": "", "ilert.Desktop_0.2.0_amd64.deb.sig": "sig-deb",
    "ilert.Desktop-0.2.0-1.x86_64.rpm": "", "ilert.Desktop-0.2.0-1.x86_64.rpm.sig": "sig-rpm",
    "ilert.Desktop_0.2.0_x64-setup.exe": "", "ilert.Desktop_0.2.0_x64-setup.exe.sig": "sig-nsis",
    "ilert.Desktop_0.2.0_x64_en-US.msi": "", "ilert.Desktop_0.2.0_x64_en-US.msi.sig": "sig-msi",
    "ilert.Desktop_aarch64.app.tar.gz": "", "ilert.Desktop_aarch64.app.tar.gz.sig": "sig-mac-arm",
    "ilert.Desktop_x86_64.app.tar.gz": "", "ilert.Desktop_x86_64.app.tar.gz.sig": "sig-mac-intel",
    "ilert.Desktop_0.2.0_aarch64.dmg": "",
  };
  const m = manifest({ files, version: "0.2.0", baseUrl: `${base}/`, notes: "n", pubDate: "2026-12-07T00:00:00Z" });
  assert.deepEqual(Object.keys(m.platforms).sort(), [
    "darwin-aarch64", "darwin-aarch64-app", "darwin-x86_64", "darwin-x86_64-app",
    "linux-x86_64", "linux-x86_64-appimage", "linux-x86_64-deb", "linux-x86_64-rpm",
    "windows-x86_64", "windows-x86_64-msi", "windows-x86_64-nsis",
  ]);
  assert.equal(m.platforms["linux-x86_64"].signature, "sig-appimage");
  assert.equal(m.platforms["linux-x86_64-deb"].url, `${base}/ilert.Desktop_0.2.0_amd64.deb`);
  assert.equal(m.platforms["darwin-aarch64"].signature, "sig-mac-arm");
  assert.equal(m.platforms["windows-x86_64"].signature, "sig-nsis");
  assert.equal(m.version, "0.2.0");
});

test("unsigned bundles are not offered, and none signed is an error", () => {
  assert.throws(() => manifest({ files: { "a.deb": "" }, version: "1", baseUrl: base, notes: "", pubDate: "" }), /no signed bundle/);
  assert.deepEqual(platformsOf("ilert.Desktop_0.2.0_aarch64.dmg"), []);
});

test("the command line reads a directory and prints the feed", () => {
  const dir = mkdtempSync(join(tmpdir(), "manifest-"));
  writeFileSync(join(dir, "ilert.Desktop_0.2.0_amd64.deb"), "bytes");
  writeFileSync(join(dir, "ilert.Desktop_0.2.0_amd64.deb.sig"), "c2ln\n");
  const out = execFileSync("node", ["scripts/updater-manifest.mjs", "--dir", dir, "--version", "0.2.0", "--base-url", base], { encoding: "utf8" });
  const m = JSON.parse(out);
  assert.equal(m.platforms["linux-x86_64-deb"].signature, "c2ln");
  assert.match(m.pub_date, /^\d{4}-\d\d-\d\dT/);
});
