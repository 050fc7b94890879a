"""Reference renderer for chat templates: transformers' own tokenizer.apply_chat_template(messages,
tools=..., add_generation_prompt=..., tokenize=False) (transformers from PyPI, pinned in
tools/python/requirements.lock), so tests compare our C++ interpreter with it byte for byte.

Usage: python hf_render_chat.py CASES.json  ->  prints a JSON list, one {"text": ...} or {"error": ...}
per case. A case is {"template", "messages", "tools", "add_generation_prompt", "extra", "special"}
(special: bos_token, eos_token, ... as the model's tokenizer_config.json gives them; extra: more
template variables) or, for plain template tests, {"template", "context"}: rendered with the
context's keys as variables in transformers' Jinja environment."""
import json
import logging
import sys

logging.disable(logging.WARNING)

from tokenizers import Tokenizer  # noqa: E402
from tokenizers.models import WordLevel  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402
from transformers.utils.chat_template_utils import _compile_jinja_template  # noqa: E402


def tokenizer_for(special, cache):
    """A tokenizer whose special tokens are the model's (the template sees them as bos_token, ...);
    the vocabulary does not matter for rendering."""
    key = json.dumps(special, sort_keys=True)
    if key not in cache:
        tokens = {k: v for k, v in (special or {}).items() if isinstance(v, str)}
        cache[key] = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel({"[x]": 0}, unk_token="[x]")),
                                             **tokens)
    return cache[key]


def render(case, cache):
    if "context" in case:
        return _compile_jinja_template(case["template"]).render(**case["context"])
    tokenizer = tokenizer_for(case.get("special"), cache)
    return tokenizer.apply_chat_template(
        case["messages"], tools=case.get("tools"), chat_template=case["template"],
        add_generation_prompt=case.get("add_generation_prompt", False), tokenize=False,
        **(case.get("extra") or {}))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    cache = {}
    results = []
    for case in cases:
        try:
            results.append({"text": render(case, cache)})
        except Exception as e:  # every failure is a result: the C++ side must fail too
            results.append({"error": f"{type(e).__name__}: {e}"})
    sys.stdout.reconfigure(encoding="utf-8", errors="surrogateescape")
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
