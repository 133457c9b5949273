import { describe, expect, it } from "vitest";
import { analyzeCaptureBuffered, type AnalyzeOptions } from "../../src/cli/commands/analyze-command.js";
import {
  formatAnalysisFollowEnd, formatAnalysisMarkdown, formatAnalysisTable, HEALTHY_CONNECTIONS_LISTED, type AnalysisReport,
} from "../../src/report/analysis-report.js";
import { fixturePath, loadFixtureMetas } from "../support/fixtures.js";

const metas = new Map(loadFixtureMetas().map((meta) => [meta.name, meta] as const));

/** The report of a real capture, as `analyze` builds it, with rule settings (`--set`). */
async function reportOf(name: string, set: string[]): Promise<AnalysisReport> {
  const options: AnalyzeOptions = {
    format: "json", set, failOn: "none", h2Port: [], maxConnections: 10_000, maxFindingsPerRule: 1000, limit: {},
  };
  const result = await analyzeCaptureBuffered({ capture: fixturePath(metas.get(name)!), fileText: undefined, ports: [], options, colour: false });
  return result.report!;
}

/** The lines under `heading`, up to the next blank line. */
function healthSection(text: string, heading: string): string[] {
  const lines = text.slice(text.indexOf(heading) + heading.length).split("\n");
  return lines.slice(0, lines.indexOf(""));
}

describe("the Health section", () => {
  it("names every connection with an error or warning and the first healthy ones, and counts the rest", async () => {
    // Seven connections; without these two rules, 1–6 have at most info findings and 7 a warning.
    const report = await reportOf("rules-protocol-violations", ["protocol-violation.enabled=false", "goaway-protocol-error.enabled=false"]);
    expect(report.connections.map((view) => view.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const lines = healthSection(formatAnalysisTable(report, false, 2), "Health\n").map((line) => line.trim());
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^conn 1 .* — healthy$/);
    expect(lines[1]).toMatch(/^conn 2 .* — healthy$/);
    // Past the healthy ones named, a warning is still named, in connection order.
    expect(lines[2]).toMatch(/^conn 7 .* — 1 warning$/);
    expect(lines[3]).toBe("… and 4 more healthy connections (--format json lists each)");

    const markdown = healthSection(formatAnalysisMarkdown(report, 2), "## Connections\n\n");
    expect(markdown).toEqual([...lines.slice(0, 3).map((line) => `- ${line}`), "- … and 4 more healthy connections (--format json lists each)"]);
    expect(formatAnalysisFollowEnd(report, 5)).toContain("… and 1 more healthy connection (--format json lists each)");
  });

  it("names them all when no more than the limit are healthy, and names errors whatever the limit", async () => {
    const healthy = await reportOf("h2load-many-connections", []);
    expect(healthy.connections.length).toBeLessThanOrEqual(HEALTHY_CONNECTIONS_LISTED);
    const lines = healthSection(formatAnalysisTable(healthy, false), "Health\n");
    expect(lines.filter((line) => line.endsWith("— healthy"))).toHaveLength(healthy.connections.length);
    expect(lines.join("\n")).not.toContain("more healthy");

    const failing = await reportOf("rules-protocol-violations", []);
    const failingLines = healthSection(formatAnalysisTable(failing, false, 0), "Health\n");
    expect(failingLines.map((line) => line.trim().split(" ")[1])).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
  });
});
