#!/usr/bin/env node
// A Prisma generator that writes the parsed schema (DMMF) to JSON, so the schema-drift
// test can compare schema.prisma with the migrated database without Prisma's schema engine.
const { generatorHandler } = require("@prisma/generator-helper");
const fs = require("node:fs");
const path = require("node:path");

generatorHandler({
  onManifest: () => ({ prettyName: "Schema DMMF (for the drift test)", defaultOutput: "./dmmf.json" }),
  onGenerate: async (options) => {
    const out = options.generator.output?.value;
    if (!out) throw new Error("dmmf generator: set an output path");
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(options.dmmf.datamodel, null, 2));
  },
});
