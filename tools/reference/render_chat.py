#!/usr/bin/python3
"""Reference renderer for chat templates: what transformers' apply_chat_template(tokenize=False)
produces, using Debian's python3-jinja2 with transformers' environment, for tools/demo/lora_check.py
(which runs on Debian's python3). The tests compare our C++ interpreter with transformers' own
apply_chat_template instead (tools/tokenizer/hf_render_chat.py).

Usage: render_chat.py CASES.json  ->  prints a JSON list, one {"text": ...} or {"error": ...} per case.
A case is {"template", "messages", "tools", "add_generation_prompt", "extra", "special"} or, for
plain template tests, {"template", "context"} (rendered with the context's keys as variables).
"""
import json
import sys
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.sandbox


def make_environment():
    # As transformers' _compile_jinja_template: an immutable sandbox with trim_blocks,
    # lstrip_blocks and loop controls; tojson replaced by json.dumps; two extra globals.
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, cache, case):
    source = case["template"]
    if source not in cache:
        cache[source] = env.from_string(source)
    template = cache[source]
    if "context" in case:
        return template.render(**case["context"])
    kwargs = {**(case.get("special") or {}), **(case.get("extra") or {})}
    return template.render(
        messages=case["messages"],
        tools=case.get("tools"),
        documents=None,
        add_generation_prompt=case.get("add_generation_prompt", False),
        **kwargs)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    env = make_environment()
    cache = {}
    results = []
    for case in cases:
        try:
            results.append({"text": render(env, cache, case)})
        except Exception as e:  # every failure is a result: the C++ side must fail too
            cache.pop(case["template"], None)
            results.append({"error": f"{type(e).__name__}: {e}"})
    sys.stdout.reconfigure(encoding="utf-8", errors="surrogateescape")
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
