import { describe, expect, it } from "vitest";
import { analyzeBytes, eventText } from "../../support/collect.js";
import { http2PortsOf, loadCaptureBytes, loadFixtureMetas, loadKeyLogText } from "../../support/fixtures.js";

// The CLI asks for no h2.window events caused by DATA (dataWindowEvents: false): nothing else may change.
describe("dataWindowEvents: false", () => {
  const metas = loadFixtureMetas().filter((meta) => /h2|h2load|nghttp|window|flow|tls|netem/.test(meta.name));

  it("covers captures with DATA, flow-control trouble and TLS", () => {
    expect(metas.length).toBeGreaterThanOrEqual(10);
  });

  for (const meta of metas) {
    it(`${meta.name}: drops exactly the DATA window steps`, () => {
      const options = { http2Ports: http2PortsOf(meta), keyLogText: loadKeyLogText(meta), tcpDataEvents: false };
      const bytes = loadCaptureBytes(meta);
      const all = analyzeBytes(bytes, 1 << 20, options).events;
      const without = analyzeBytes(bytes, 1 << 20, { ...options, dataWindowEvents: false }).events;
      const isDataStep = (event: (typeof all)[number]) => event.kind === "h2.window" && event.cause === "data";
      expect(without.some(isDataStep)).toBe(false);
      expect(without.map(eventText)).toEqual(all.filter((event) => !isDataStep(event)).map(eventText));
    });
  }

  it("leaves WINDOW_UPDATE and SETTINGS window shifts in", () => {
    const meta = loadFixtureMetas().find((candidate) => candidate.name === "h2-initial-window-change")!;
    const causes = (dataWindowEvents: boolean) => new Set(analyzeBytes(loadCaptureBytes(meta), 1 << 20, { tcpDataEvents: false, dataWindowEvents }).events
      .flatMap((event) => (event.kind === "h2.window" ? [event.cause] : [])));
    expect(causes(true)).toEqual(new Set(["data", "window-update", "settings"]));
    expect(causes(false)).toEqual(new Set(["window-update", "settings"]));
  });
});
