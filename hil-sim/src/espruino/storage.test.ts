import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { VirtualClock } from "../clock/virtual-clock";
import { tempDir } from "../../../test/support/tmp";
import { ESP32_STORAGE_BYTES, FlashStorage } from "./flash";
import { EspruinoRuntime } from "./runtime";

const rts: EspruinoRuntime[] = [];
const bundleLen = (rt: EspruinoRuntime) => rt.flash.size(".bootcde");
function node(bundle: string, flash = new FlashStorage()) {
  const clock = new VirtualClock();
  const rt = new EspruinoRuntime({ clock, bundle, flash });
  rts.push(rt);
  rt.boot();
  return { rt, clock, flash };
}
afterEach(() => {
  for (const r of rts.splice(0)) r.dispose();
});

describe("FlashStorage against the real interpreter", () => {
  it("replays a sequence run on the real Linux build (262 144-byte area) with the same figures", () => {
    const f = new FlashStorage({ totalBytes: 262144 });
    const big = new Uint8Array(100000).fill(0x78);
    const log: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        log.push(["W", i, f.write(`big${i}`, big), f.free()]);
      } catch (e) {
        log.push(["W", i, (e as Error).message, f.free()]);
      }
    }
    f.erase("big0");
    log.push(f.stats());
    f.write("again", big);
    log.push(f.stats());
    f.write("log\x01", new Uint8Array([97, 98, 99]), 0, 4064, 1);
    log.push(f.list(-1), f.list(1));
    // printed by the real interpreter for the same calls
    expect(log).toEqual([
      ["W", 0, true, 162112],
      ["W", 1, true, 62080],
      ["W", 2, "Unable to find or create file", 62080],
      ["W", 3, "Unable to find or create file", 62080],
      { totalBytes: 262144, freeBytes: 62080, fileBytes: 100032, fileCount: 1, trashBytes: 100032, trashCount: 1 },
      { totalBytes: 262144, freeBytes: 62080, fileBytes: 200064, fileCount: 2, trashBytes: 0, trashCount: 0 },
      ["big1", "again", "log\x01"],
      ["log"],
    ]);
  });
});

describe("Storage", () => {
  it("write/read/readJSON/writeJSON/list/erase, and a boot counter that survives power loss", () => {
    const { rt } = node(`
      var S = require("Storage");
      var boots = (S.readJSON("boot.json", 1) || { n: 0 }).n + 1;
      S.writeJSON("boot.json", { n: boots, "two words": true });
    `);
    expect(rt.evaluate('require("Storage").read("boot.json")')).toBe('{n:1,"two words":true}'); // writeJSON drops quotes like Espruino
    rt.powerLoss();
    rt.boot();
    rt.powerLoss();
    rt.boot();
    expect(rt.evaluate("boots")).toBe(3);
    expect(rt.evaluate('require("Storage").list().sort()')).toEqual([".bootcde", "boot.json"]);
    expect(rt.evaluate('require("Storage").write("a", [65, 66, 67]) && require("Storage").read("a", 1, 1)')).toBe("B");
    expect(rt.evaluate('require("Storage").write("o", {x: 1}) && JSON.parse(require("Storage").read("o")).x')).toBe(1);
    expect(rt.evaluate('new Uint8Array(require("Storage").readArrayBuffer("a"))[2]')).toBe(67);
    rt.evaluate('require("Storage").erase("a")');
    expect(rt.evaluate('require("Storage").read("a") === undefined')).toBe(true);
  });

  it("names are cut to 28 characters, as on the device", () => {
    const { rt } = node("var S = require('Storage');");
    rt.evaluate('S.write("abcdefghijklmnopqrstuvwxyz0123456", "x")');
    expect(rt.evaluate('S.read("abcdefghijklmnopqrstuvwxyz01")')).toBe("x");
  });

  it("overwrite and erase leave trash until compact(); offset writes fill a reserved file", () => {
    const { rt } = node("var S = require('Storage');");
    rt.evaluate('S.write("f", "Hello", 0, 14)');
    expect(rt.evaluate('S.read("f")')).toBe("Hello" + "\xff".repeat(9));
    rt.evaluate('S.write("f", " World!!!", 5)');
    expect(rt.evaluate('S.read("f")')).toBe("Hello World!!!");
    expect(() => rt.evaluate('S.write("f", "x", 5)')).toThrow(/already written/);
    rt.evaluate('S.write("f", "v2")');
    rt.evaluate('S.erase("f")');
    const before = rt.evaluate("S.getStats()") as { trashCount: number; trashBytes: number; freeBytes: number };
    expect(before.trashCount).toBe(2);
    expect(before.trashBytes).toBe(32 + 16 + 32 + 4); // headers included, data rounded to 4 bytes
    rt.evaluate("S.compact()");
    const after = rt.evaluate("S.getStats()") as { trashCount: number; freeBytes: number; totalBytes: number };
    expect(after.trashCount).toBe(0);
    expect(after.freeBytes).toBe(before.freeBytes + before.trashBytes);
    expect(after.totalBytes).toBe(ESP32_STORAGE_BYTES);
  });

  it("the 896 KB limit: a write that does not fit throws, after compacting what trash there was", () => {
    const { rt, flash } = node("var S = require('Storage'); var big = E.toString({data: 'x', count: 100000});");
    let n = 0;
    for (;;) {
      try {
        rt.evaluate(`S.write("big${n}", big)`);
        n++;
      } catch (e) {
        expect(String(e)).toMatch(/Unable to find or create file/);
        break;
      }
    }
    expect(n).toBe(9); // 9 × (100000 + 32) bytes fit in 917504 with the bundle, a tenth does not
    expect(rt.evaluate("S.getFree()")).toBeLessThan(100032);
    // as on the real Linux build: a 100 000-byte file counts 100 032 bytes (its header)
    expect((rt.evaluate("S.getStats()") as { fileBytes: number }).fileBytes).toBe(9 * 100032 + 32 + ((bundleLen(rt) + 3) & ~3));
    rt.evaluate('S.erase("big0")');
    rt.evaluate('S.write("again", big)'); // fits only by compacting the trash: done automatically
    expect(flash.wear.compactions).toBe(1);
    expect(rt.evaluate('S.read("again").length')).toBe(100000);
  });

  it("StorageFile append: lines across 4064-byte chunks, readLine, no 0xFF in content, survives reboot", () => {
    const { rt } = node("var S = require('Storage');");
    rt.evaluate('(function(){ var f = S.open("log", "a"); for (var i = 0; i < 300; i++) f.write("line " + i + " " + "abcdefghij".repeat(2) + "\\n"); })()');
    rt.powerLoss();
    rt.boot();
    rt.evaluate('(function(){ var f = S.open("log", "a"); f.write("after reboot\\n"); })()');
    const lines = rt.evaluate('(function(){ var f = S.open("log", "r"), out = [], l; while ((l = f.readLine()) !== undefined) out.push(l); return out; })()') as string[];
    expect(lines.length).toBe(301);
    expect(lines[0]).toBe("line 0 " + "abcdefghij".repeat(2) + "\n");
    expect(lines[299]).toBe("line 299 " + "abcdefghij".repeat(2) + "\n");
    expect(lines[300]).toBe("after reboot\n");
    expect(rt.evaluate('S.list(/log/)')).toEqual(["log\x01"]);
    expect(rt.evaluate('S.list(undefined, {sf: true})')).toEqual(["log"]);
    const len = rt.evaluate('S.open("log", "r").getLength()') as number;
    expect(len).toBe(lines.join("").length);
    expect((rt.evaluate("S.getStats()") as { fileCount: number }).fileCount).toBe(1 + Math.ceil(len / 4064));
    rt.evaluate('S.open("log", "r").erase()');
    expect(rt.evaluate('S.list(/log/)')).toEqual([]);
    expect(() => rt.evaluate('S.open("x", "r").write("a")')).toThrow(/Can't write in this mode/);
  });

  it("a 0xFF appended to a StorageFile ends it there, as erased flash does", () => {
    const { rt } = node("var S = require('Storage');");
    rt.evaluate('(function(){ var f = S.open("bad", "a"); f.write("ab\\xFFcd\\n"); f.write("ef\\n"); })()');
    expect(rt.evaluate('S.open("bad", "r").read(100)')).toBe("ab");
    expect(rt.evaluate('S.open("bad", "r").getLength()')).toBe(2);
  });

  it("persists to a file: a new runtime for the same node sees the data", () => {
    const dir = tempDir();
    const path = join(dir.dir, "node.flash.json");
    const a = node("var S = require('Storage');", new FlashStorage({ path }));
    a.rt.evaluate('S.write("cfg", "v=1")');
    a.rt.dispose();
    const b = node("var S = require('Storage');", new FlashStorage({ path }));
    expect(b.rt.evaluate('S.read("cfg")')).toBe("v=1");
    dir.cleanup();
  });
});
