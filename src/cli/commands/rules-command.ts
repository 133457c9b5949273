// `h2scope rules`: every rule with its severity, description and parameters.

import { Command, Option } from "commander";
import { BUILTIN_RULES } from "../../rules/registry.js";
import type { CliIo } from "../cli-io.js";
import { EXIT_OK } from "../exit-codes.js";

export function rulesCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command("rules")
    .description("list every rule with its severity, parameters and defaults")
    .addOption(new Option("-f, --format <format>", "text or json").choices(["text", "json"]).default("text"))
    .action((options: { format: "text" | "json" }) => {
      if (options.format === "json") {
        io.stdout(`${JSON.stringify(BUILTIN_RULES.map((rule) => ({ id: rule.id, severity: rule.severity, description: rule.description, parameters: rule.parameters })), null, 2)}\n`);
      } else {
        let text = "";
        for (const rule of BUILTIN_RULES) {
          text += `${rule.id} (${rule.severity})\n  ${rule.description}\n`;
          for (const [name, parameter] of Object.entries(rule.parameters)) {
            text += `  --set ${rule.id}.${name}=${parameter.default}\n      ${parameter.description}\n`;
          }
        }
        io.stdout(text);
      }
      setExitCode(EXIT_OK);
    });
}
