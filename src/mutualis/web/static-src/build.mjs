// Bundles each entry into one ESM file under static/web/vendor: one file loads in a
// page, in a Worker and under hashed static names, where an import map does not.
import { build } from "esbuild";

const entries = ["mutualis-crypto", "tus"];

for (const name of entries) {
  await build({
    entryPoints: [`entries/${name}.js`],
    outfile: `../static/web/vendor/${name}.mjs`,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "eof",
    logLevel: "info",
  });
}
