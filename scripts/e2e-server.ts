import fs from "node:fs";
import { loadConfig } from "../lib/config";

// The end-to-end suite's server: a brand-new data folder each run, then the normal `npm start`.
const { dataDir } = loadConfig();
fs.rmSync(dataDir, { recursive: true, force: true });
await import("./start");
