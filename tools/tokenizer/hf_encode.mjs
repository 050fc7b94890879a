// Reference encoder for tests and benchmarks: encodes strings with Hugging Face's
// @huggingface/tokenizers (npm), an implementation we did not write, so tests can compare our ids.
// Usage: node hf_encode.mjs <tokenizer.json> <tokenizer_config.json|-> <strings.json>
//   prints {"plain": [[ids]...], "special": [[ids]...]} (without / with add_special_tokens) and
//   {"decoded": [...], "decoded_skip": [...]}: decode(plain) and decode(special, skip_special_tokens)
// Usage: node hf_encode.mjs --bench <tokenizer.json> <tokenizer_config.json|-> <text file> <repeats>
//   encodes every line of the file `repeats` times and prints {"bytes": N, "seconds": S, "tokens": T}
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
const bench = args[0] === "--bench";
const [tokenizer_path, config_path, input_path, repeats] = bench ? args.slice(1) : args;
if (!input_path) {
  process.stderr.write("usage: hf_encode.mjs [--bench] <tokenizer.json> <tokenizer_config.json|-> <strings.json|text> [repeats]\n");
  process.exit(2);
}
const { Tokenizer } = load_package();
const tokenizer_json = JSON.parse(fs.readFileSync(tokenizer_path, "utf8"));
const config = config_path === "-" ? {} : JSON.parse(fs.readFileSync(config_path, "utf8"));
const tokenizer = new Tokenizer(tokenizer_json, config);
if (bench) {
  const lines = fs.readFileSync(input_path, "utf8").split("\n");
  const bytes = Buffer.byteLength(lines.join(""), "utf8");
  let tokens = 0;
  for (const line of lines) tokens += tokenizer.encode(line, { add_special_tokens: false }).ids.length;  // warm-up
  tokens = 0;
  const start = process.hrtime.bigint();
  for (let r = 0; r < Number(repeats); ++r) {
    for (const line of lines) tokens += tokenizer.encode(line, { add_special_tokens: false }).ids.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({ bytes: bytes * Number(repeats), seconds, tokens }) + "\n");
} else {
  const strings = JSON.parse(fs.readFileSync(input_path, "utf8"));
  const encode = (add_special_tokens) =>
    strings.map((s) => Array.from(tokenizer.encode(s, { add_special_tokens }).ids));
  const plain = encode(false), special = encode(true);
  // Decoder pipeline only (no clean-up of tokenization spaces), and with special tokens skipped.
  // (tokenizers.js refuses an empty list; Hugging Face decodes it to "".)
  const decode = (ids, skip_special_tokens) => ids.length === 0 ? "" :
    tokenizer.decode(ids, { skip_special_tokens, clean_up_tokenization_spaces: false });
  const decoded = plain.map((ids) => decode(ids, false));
  const decoded_skip = special.map((ids) => decode(ids, true));
  process.stdout.write(JSON.stringify({ plain, special, decoded, decoded_skip }) + "\n");
}
