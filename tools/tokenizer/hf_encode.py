"""Reference encoder for tests: Hugging Face's `tokenizers` (the Rust library, from PyPI, pinned in
tools/python/requirements.lock), an implementation we did not write, so tests compare our ids and
decoded text with it.

Usage: python hf_encode.py <tokenizer.json> <strings.json>
  prints {"plain": [[ids]...], "special": [[ids]...], "decoded": [...], "decoded_skip": [...]}:
  ids without / with add_special_tokens, decode(plain) and decode(special, skip_special_tokens)."""
import json
import sys

from tokenizers import Tokenizer


def main():
    tokenizer_path, input_path = sys.argv[1:3]
    tokenizer = Tokenizer.from_file(tokenizer_path)
    with open(input_path, encoding="utf-8") as f:
        strings = json.load(f)
    plain = [tokenizer.encode(s, add_special_tokens=False).ids for s in strings]
    special = [tokenizer.encode(s, add_special_tokens=True).ids for s in strings]
    decoded = [tokenizer.decode(ids, skip_special_tokens=False) for ids in plain]
    decoded_skip = [tokenizer.decode(ids, skip_special_tokens=True) for ids in special]
    json.dump({"plain": plain, "special": special, "decoded": decoded, "decoded_skip": decoded_skip}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
