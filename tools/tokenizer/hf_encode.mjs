// Reference encoder for tests: encodes strings with Hugging Face's @huggingface/tokenizers (npm),
// an implementation we did not write, so tests can compare our ids against it.
// Usage: node hf_encode.mjs <tokenizer.json> <tokenizer_config.json|-> <strings.json> [--add-special-tokens]
// The package is looked up in $LLMCP_NODE_PATH/node_modules (else the usual Node resolution).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

function load_package() {
  const base = process.env.LLMCP_NODE_PATH;
  const require = createRequire(base ? path.join(path.resolve(base), "index.js") : import.meta.url);
  try {
    return require("@huggingface/tokenizers");
  } catch (e) {
    process.stderr.write(
      `cannot load @huggingface/tokenizers (LLMCP_NODE_PATH=${base ?? "unset"}): ${e.message}\n` +
        "install it with `make test-deps`\n");
    process.exit(2);
  }
}

const args = process.argv.slice(2);
const add_special_tokens = args.includes("--add-special-tokens");
const [tokenizer_path, config_path, strings_path] = args.filter((a) => !a.startsWith("--"));
if (!strings_path) {
  process.stderr.write("usage: hf_encode.mjs <tokenizer.json> <tokenizer_config.json|-> <strings.json> [--add-special-tokens]\n");
  process.exit(2);
}
const { Tokenizer } = load_package();
const tokenizer_json = JSON.parse(fs.readFileSync(tokenizer_path, "utf8"));
const config = config_path === "-" ? {} : JSON.parse(fs.readFileSync(config_path, "utf8"));
const strings = JSON.parse(fs.readFileSync(strings_path, "utf8"));
const tokenizer = new Tokenizer(tokenizer_json, config);
const out = strings.map((s) => Array.from(tokenizer.encode(s, { add_special_tokens }).ids));
process.stdout.write(JSON.stringify(out) + "\n");
