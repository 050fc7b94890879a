// The Jinja2 interpreter feature by feature: a table of template snippets rendered by us and by
// Python's jinja2 (transformers' environment) and compared byte for byte, plus the error messages
// (line and column) and sandbox rules.
#include "tokenizer/chat/jinja.h"
#include "tokenizer/chat/chat_template.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/error.h"
#include "jinja_reference.h"

namespace llmcp::tokenizer::chat {
namespace {

using nlohmann::ordered_json;
using testing::cpp_render;
using testing::python_render;

ordered_json snippet_context() {
  return ordered_json::parse(R"({
    "xs": [1, 2, 3], "d": {"a": 1, "b": [1, 2]}, "s": "Hi", "f": 1.5, "n": null, "t": true,
    "empty": [], "words": ["b", "A", "a", "C"], "text": "  Hello World \n",
    "users": [{"name": "ann", "age": 31, "role": "user"}, {"name": "Bob", "age": 25, "role": "assistant"},
              {"name": "cy", "role": "user"}],
    "tool": {"type": "function", "function": {"name": "get_weather", "description": "Weather \"now\"",
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
    "uni": "h\u00e9llo \u4e16\u754c \ud83d\ude00", "quote": "it's \"q\"", "ctrl": "a\tb\u0001\u007f\u00a0\u00ad",
    "big": 12345678901234, "neg": -7, "fl": [0.1, 1e-05, 1e16, 123456789.0, 2.5, -0.0, 1e22, 3.0]
  })");
}

// Snippets where Python's output (or failure) is the specification.
const std::vector<std::string>& snippets() {
  static const std::vector<std::string> s = {
      // output of values as Python's str()
      "{{ n }}|{{ t }}|{{ false }}|{{ 1 }}|{{ f }}|{{ xs }}|{{ d }}|{{ (1,) }}|{{ () }}|{{ (1, 'a') }}",
      "{{ fl }}|{% for x in fl %}{{ x }},{% endfor %}",
      "{{ [uni, quote, ctrl, 'a\\\\b', \"x'y\", '\\n'] }}",
      "{{ 1, 2 }}|{{ {'a': none, 1: true, 'k': [1.0, 'v']} }}|{{ {} }}|{{ [] }}",
      "{{ big * 1000 }}|{{ 7 / 2 }}|{{ 6 / 2 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ -7 % 3 }}|{{ 7.5 // 2 }}|{{ -10.5 % 3 }}",
      "{{ 2 ** 3 ** 2 }}|{{ -2 ** 2 }}|{{ 2 ** -1 }}|{{ 2.0 ** 2 }}|{{ 10 % 3 }}|{{ 1 + 2 * 3 - 4 }}|{{ (1 + 2) * 3 }}",
      "{{ 'a' * 3 }}|{{ [1] * 2 }}|{{ 2 * 'b' }}|{{ 'a' + 'b' }}|{{ xs + [4] }}|{{ true + 1 }}|{{ 0.1 + 0.2 }}",
      "{{ 'a' ~ 1 ~ none ~ undefined_var ~ [1] }}|{{ 1 if false }}|{{ 'y' if t else 'n' }}|{{ 'y' if n }}",
      "{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ 1 == 1.0 }}{{ true == 1 }}{{ d == {'b': [1, 2], 'a': 1} }}",
      "{{ 'a' in 'cat' }}{{ 2 in xs }}{{ 'a' in d }}{{ 'z' not in d }}{{ 1 in (1, 2) }}{{ 'x' in undefined_var }}",
      "{{ n or 'dflt' }}|{{ 0 and 5 }}|{{ 3 and 5 }}|{{ not xs }}|{{ not not xs }}|{{ none is none }}|{{ xs is not none }}",
      // literals and escapes
      "{{ 'a\\tb' }}|{{ \"\\u00e9\\x41\\101\" }}|{{ 'unknown \\q escape' }}|{{ 'adj' 'acent' }}|{{ 1_000 }}|{{ 0x1F }}|{{ 1.5e3 }}",
      "{{ True }}{{ False }}{{ None }}{{ none }}|{{ 'é\\é' }}",
      // attribute and item access
      "{{ d.a }}|{{ d['a'] }}|{{ d.b[1] }}|{{ d.b.0 }}|{{ d.zz }}|{{ d['zz'] }}|{{ xs[10] }}|{{ s[10] }}|{{ xs[-1] }}|{{ s.1 }}",
      "{{ d.items() }}|{{ d.keys() }}|{{ d.values() }}|{{ d.get('a') }}|{{ d.get('z') }}|{{ d.get('z', 5) }}|{{ d['items']()|list }}",
      "{{ 'abc'[::-1] }}|{{ xs[1:] }}|{{ xs[:-1] }}|{{ xs[::2] }}|{{ 'abcdef'[1:4:2] }}|{{ xs[5:] }}|{{ xs[-10:2] }}|{{ uni[1:4] }}",
      "{{ users[0].name }}|{{ users|map(attribute='name')|join(',') }}|{{ tool.function.parameters.required[0] }}",
      // loops
      "{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
      "{% for x in xs %}[{{ loop.previtem }}|{{ loop.nextitem }}|{{ loop.cycle('a', 'b') }}]{% endfor %}",
      "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}",
      "{% for x in xs if x != 2 %}{{ x }}{{ loop.index }}{{ loop.length }}{% endfor %}",
      "{% for x in empty %}no{% else %}empty{% endfor %}|{% for x in xs if x > 5 %}{% else %}none{% endfor %}",
      "{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% if x == 3 %}{% break %}{% endif %}{% endfor %}",
      "{% for x in xs %}{% if x == 1 %}{% break %}{% endif %}{% else %}E{% endfor %}",
      "{% for x in xs %}{% if x > 1 %}{% continue %}{% endif %}{% else %}E{% endfor %}|{% for x in xs %}{% continue %}{% else %}E{% endfor %}",
      "{% for x in [] %}{% else %}{% set z = 1 %}{% endfor %}[{{ z }}]",
      "{% for c in 'héllo' %}{{ c }}-{% endfor %}|{% for k in d %}{{ k }}{% endfor %}|{% for x in undefined_var %}x{% endfor %}",
      "{% for x in xs %}{% for y in xs %}{{ loop.index }}{% endfor %}{{ loop.index }}|{% endfor %}",
      // scoping
      "{% for i in xs %}{% if i == 1 %}{% set x = 'a' %}{% endif %}[{{ x }}]{% endfor %}",
      "{% set x = 1 %}{% for i in xs %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}",
      "{% set ns = namespace(a=1, b='x') %}{% for x in xs %}{% set ns.a = ns.a + x %}{% endfor %}{{ ns.a }}{{ ns.b }}",
      "{% set ns = namespace() %}{% set ns.found = false %}{% for u in users %}{% if u.role == 'assistant' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}",
      "{% if true %}{% set y = 5 %}{% endif %}{{ y }}|{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set t2 = (1, 2) %}{{ t2 }}",
      "{% set block %}inner {{ s }}{% endset %}[{{ block }}]{% set up | upper %}shout{% endset %}{{ up }}",
      "{% with a = 1, b = xs %}{{ a }}{{ b }}{% endwith %}{{ a }}",
      // macros
      "{% macro m(a, b='dflt') %}({{ a }},{{ b }}){% endmacro %}{{ m(1) }}{{ m(1, 2) }}{{ m(b=3, a=4) }}{{ m() }}",
      "{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}{{ m() }}",
      "{% macro v() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, k=3) }}",
      "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}",
      "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}",
      // filters
      "{{ text|trim }}|{{ 'xxaxx'|trim('x') }}|{{ text|upper }}|{{ text|lower }}|{{ 'hello world-foo(bar'|title }}|{{ \"they're bill's\"|title }}|{{ 'hELLO wORLD'|capitalize }}",
      "{{ 'Hello World'|replace('o', '0') }}|{{ 'aaa'|replace('a', 'b', 2) }}|{{ 'ab'|replace('', '-') }}|{{ uni|upper }}|{{ 'ß'|upper }}",
      "{{ xs|length }}|{{ 'é€😀'|length }}|{{ d|count }}|{{ undefined_var|length }}|{{ xs|first }}{{ xs|last }}{{ empty|first }}",
      "{{ xs|join(', ') }}|{{ d|join }}|{{ d|list }}|{{ s|list }}|{{ xs|reverse|list }}|{{ s|reverse }}|{{ users|join(';', attribute='name') }}",
      "{{ xs|sum }}|{{ xs|max }}|{{ xs|min }}|{{ [1.5, 2]|sum }}|{{ users|sum(attribute='age', start=1) if false else 0 }}|{{ words|max }}|{{ words|min(case_sensitive=true) }}",
      "{{ 3.7|int }}{{ '12'|int }}{{ ' 12 '|int }}{{ '1.9'|int }}{{ 'x'|int }}{{ '0x1A'|int }}{{ '0x1A'|int(base=16) }}{{ true|int }}{{ none|int(7) }}",
      "{{ '3'|float }}{{ 'x'|float }}{{ 2|float }}{{ -3|abs }}{{ 2.5|round }}{{ 3.5|round }}{{ 2.675|round(2) }}{{ 5|round }}{{ 2.4|round(0, 'ceil') }}{{ 2.6|round(method='floor') }}{{ 1234|round(-2) }}",
      "{{ [3, 1, 2]|sort }}{{ words|sort }}{{ words|sort(case_sensitive=true) }}{{ words|sort(reverse=true) }}{{ ['a', 'A', 'b']|unique|list }}{{ users|sort(attribute='name')|map(attribute='name')|list }}",
      "{{ d|dictsort }}{{ {'b': 1, 'A': 2, 'a': 3}|dictsort }}{{ {'b': 1, 'a': 3}|dictsort(by='value', reverse=true) }}{{ d|items|list }}",
      "{{ xs|select('odd')|list }}{{ xs|reject('odd')|list }}{{ users|selectattr('age')|map(attribute='name')|list }}{{ users|rejectattr('age')|list }}{{ users|selectattr('role', 'equalto', 'user')|list|length }}",
      "{{ users|map(attribute='age')|list }}{{ users|map(attribute='age', default=0)|list }}{{ ['a', 'b']|map('upper')|join }}{{ [[1, 2]]|map('join', '-')|list }}",
      "{{ n|default('x') }}{{ undefined_var|default('x') }}{{ ''|default('x') }}{{ ''|default('x', true) }}{{ undefined_var|d }}{{ 0|d('z', boolean=true) }}",
      "{{ xs|string }}{{ 1|string }}{{ '<a href=\"x\">&\\'</a>'|e }}|{{ '<>'|safe }}|{{ '<'|escape }}",
      "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb\\n\\nc'|indent(2, true) }}|{{ 'a\\nb\\n\\nc'|indent(2, true, true) }}|{{ 'a\\nb'|indent('> ') }}",
      "{{ tool|tojson }}|{{ tool|tojson(indent=2) }}|{{ d|tojson(separators=(',', ':')) }}|{{ {'b': 1, 'a': [1, 2.5, none, true]}|tojson(sort_keys=true) }}",
      "{{ uni|tojson }}|{{ ctrl|tojson }}|{{ quote|tojson }}|{{ fl|tojson }}|{{ empty|tojson(indent=4) }}|{{ {}|tojson(indent=4) }}|{{ (1, 2)|tojson }}|{{ {1: 2, none: 3, true: 4, 1.5: 5}|tojson }}",
      "{{ d|tojson(indent='\\t') }}|{{ uni|tojson(ensure_ascii=true) }}|{{ 'x'|tojson(indent=0) }}|{{ [1, [2]]|tojson(indent=0) }}",
      "{{ '%s=%d' | format('a', 3) }}|{{ '%05.2f' % 3.14159 }}|{{ 'x%sy' % 'z' }}|{{ '%(a)s' % {'a': 1} }}",
      "{{ users|map(attribute='name')|map('upper')|list }}{{ users|selectattr('name', 'in', ['ann', 'cy'])|list|count }}",
      "{{ range(4) }}|{{ range(1, 9, 3) }}|{{ range(3)|string }}|{{ range(3) == [0, 1, 2] }}|{{ 2 in range(3) }}|{{ range(5)[1] }}",
      "{{ 'foo bar baz qux'|truncate(9) }}|{{ 'foo bar baz qux'|truncate(9, true) }}|{{ 'foo bar baz qux'|truncate(11) }}|{{ 'foo bar baz qux'|truncate(11, false, '..', 0) }}",
      "{{ 'one, two_2 three!'|wordcount }}|{{ s|center(9) }}|{{ xs|batch(2)|list }}|{{ xs|batch(2, 'x')|list }}",
      "{{ 'abc' % [] }}|{{ 'abc' % {} }}|{{ 'a%sc' % [1] }}|{{ 'abc' % undefined_var }}|{{ '%s|%5s|%-4d|%.1f' % ('x', 'y', 7, 2.25) }}",
      "{{ ('role'|items) is defined }}|{{ xs|map('nofilter') is iterable }}|{{ n|map('upper')|list }}|{{ n|select|list }}",
      // tests
      "{{ 1.5 is odd }}{{ 3.0 is odd }}{{ 4.0 is even }}{{ 4.5 is divisibleby 1.5 }}{{ undefined_var is callable }}{{ f is odd }}",
      "{{ 7 is odd }}{{ 7 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 1 is number }}{{ true is number }}{{ true is integer }}{{ 1.0 is float }}{{ 'a' is string }}",
      "{{ d is mapping }}{{ xs is sequence }}{{ 'x' is sequence }}{{ 1 is iterable }}{{ d is iterable }}{{ undefined_var is iterable }}{{ undefined_var is sequence }}{{ xs|select is iterable }}{{ xs|select is sequence }}",
      "{{ true is boolean }}{{ 1 is true }}{{ true is true }}{{ false is false }}{{ 1 is eq 1 }}{{ 1 is ne 2 }}{{ 2 is in xs }}{{ range is callable }}{{ d.get is callable }}{{ 'a' is lower }}{{ 'A' is upper }}{{ 1 is lt 2 }}",
      "{{ x is defined }}{{ x is undefined }}{{ d.zz is defined }}{{ d.a is defined }}{{ n is none }}{{ xs is equalto xs }}{{ 'upper' is filter }}{{ 'odd' is test }}",
      // methods
      "{{ text.strip() }}|{{ text.lstrip() }}|{{ text.rstrip() }}|{{ 'xxhixx'.strip('x') }}|{{ s.upper() }}{{ s.lower() }}|{{ 'a b  c'.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}",
      "{{ s.startswith('H') }}{{ s.endswith(('x', 'i')) }}{{ s.startswith('i', 1) }}{{ 'a-b'.replace('-', '+') }}{{ 'hello'.find('l') }}{{ 'hello'.rfind('l') }}{{ 'hello'.count('l') }}{{ ','.join(['a', 'b']) }}",
      "{{ \"they're bill's\".title() }}|{{ 'abc'.capitalize() }}|{{ '12'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}{{ 'AB'.isupper() }}|{{ '{} and {}'.format(1, 'x') }}|{{ 'a\\nb\\r\\nc'.splitlines() }}",
      "{{ xs.index(2) }}{{ xs.count(1) }}{{ s.ljust(5, '.') }}|{{ s.rjust(5) }}|{{ s.center(6, '*') }}|{{ 'pre_x'.removeprefix('pre_') }}",
      // globals
      "{{ range(3)|list }}{{ range(1, 10, 3)|list }}{{ range(5, 0, -2)|list }}{{ dict(a=1, b=2) }}{{ namespace(x=1).x }}",
      // whitespace control, trim_blocks and lstrip_blocks
      "a\n  {% if true %}\n  b\n  {% endif %}\nc",
      "a\n  {%- if true -%}\n  b\n  {%- endif -%}\nc",
      "a\n  {%+ if true %}\n  b\n  {% endif +%}\nc",
      "  {{ s }}  \n  {# comment #}\n  {#- c2 -#}  x  {{- s -}}  y\n",
      "{% for x in xs %}\n  {{ x }}\n{% endfor %}\n",
      "{% for x in xs -%}\n  {{ x }}\n{%- endfor %}",
      "x {% if true %} y {% endif %} z\n\n",
      "line1\r\nline2\r{% if true %}\r\nin\r\n{% endif %}\rend\r\n",
      "{% raw %}{{ not rendered }}{% endraw %}|  {% raw -%}  \n x {%- endraw %}\n",
      "\t{% set a = 1 %}\n\t{{ a }}\n  {%- set b = 2 %}  {{ b }}",
      "{{- ' a ' -}}\n\n{{ ' b ' }}   {{- ' c ' }}",
      "{%- if true %}\n\n\n{% endif %}\n",
      // errors (both sides must fail)
      "{{ x.y }}",
      "{{ 'a' < 1 }}",
      "{{ 1 + 'a' }}",
      "{{ 1 / 0 }}",
      "{{ 5 // 0 }}",
      "{{ xs.append(1) }}",
      "{{ d.update({'c': 1}) }}",
      "{{ 'x'|foo }}",
      "{{ 'x' is foo }}",
      "{% if false %}{{ 'x'|foo }}{% endif %}ok",
      "{{ raise_exception('custom failure') }}",
      "{% for %}",
      "{% if true %}unterminated",
      "{{ xs|select('odd')|length }}",
      "{{ undefined_var + 1 }}",
      "{{ undefined_var() }}",
      "{{ n.attr }}",
      "{% set a, b = xs %}",
      "{{ xs|tojson }}{{ undefined_var|tojson }}",
      "{{ range(1000000)|length }}",
      "{% break %}",
      "{{ 'a' 'b }}",
      "{% endif %}",
      "{{ {'a': 1}}}",
      "{{ (1 }}",
      "{% set x = 1 %}{{ x.y.z }}",
      "{% include 'x' %}",
      "{{ 'abc' % 5 }}",
      "{{ xs|map('nofilter')|list }}",
      "{{ s|items|list }}",
      "{{ xs[f:] }}",
      "{{ d[1:] }}",
      "{{ t[1:] }}",
      "{{ (xs|select)[1:] }}",
      "{{ range(3)|tojson }}",
      "{{ f ** 1000 }}",
      "{{ 'x'|truncate(1) }}",
  };
  return s;
}

TEST(JinjaTest, SnippetsMatchPythonJinja2) {
  const ordered_json context = snippet_context();
  ordered_json cases = ordered_json::array();
  for (const auto& s : snippets()) cases.push_back({{"template", s}, {"context", context}});
  const auto expected = python_render(cases);
  size_t compared = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto got = cpp_render(cases[i]);
    SCOPED_TRACE("template: " + snippets()[i]);
    if (expected[i].text) {
      EXPECT_TRUE(got.text.has_value()) << "we failed where Python rendered: " << got.error;
      if (got.text) {
        EXPECT_EQ(*got.text, *expected[i].text);
      }
    } else {
      EXPECT_FALSE(got.text.has_value()) << "Python failed (" << expected[i].error << ") but we rendered: " << *got.text;
    }
    ++compared;
  }
  EXPECT_EQ(compared, snippets().size());
}

std::string error_of(const std::string& source, const ordered_json& context = ordered_json::object()) {
  try {
    JinjaTemplate::parse(source).render(context);
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kInvalidArgument);
    return e.what();
  }
  ADD_FAILURE() << "no error for " << source;
  return "";
}

TEST(JinjaTest, ErrorsNameLineAndColumn) {
  EXPECT_EQ(error_of("line one\n{{ 'x'|foo }}"), "chat template line 2, column 8: unknown filter 'foo'");
  EXPECT_EQ(error_of("a\nb\n  {% frobnicate %}"), "chat template line 3, column 6: unknown tag 'frobnicate'");
  EXPECT_EQ(error_of("{{ x is nope }}"), "chat template line 1, column 9: unknown test 'nope'");
  EXPECT_EQ(error_of("{% if true %}\n{{ missing.attr }}{% endif %}"), "chat template line 2, column 4: 'missing' is undefined");
  EXPECT_EQ(error_of("{{ 1 +\n 'a' }}"), "chat template line 1, column 6: unsupported operand type(s) for +: 'int' and 'str'");
  EXPECT_EQ(error_of("{% for x in xs %}"), "chat template line 1, column 18: unexpected end of template, expected 'endfor' or 'else'");
  EXPECT_EQ(error_of("{{ 'é' ~ (1 }}"), "chat template line 1, column 13: unexpected '}', expected ')'");
  EXPECT_NE(error_of("{# never closed").find("Missing end of comment tag"), std::string::npos);
  EXPECT_NE(error_of("{% if false %}{{ 1|nofilter }}{% endif %}{{ 2|nofilter }}").find("column 47"), std::string::npos);
  // Deferred like jinja2: an unknown filter inside an if-block fails only when it runs.
  EXPECT_EQ(JinjaTemplate::parse("{% if false %}{{ 1|nofilter }}{% endif %}ok").render({}), "ok");
}

TEST(JinjaTest, RaiseExceptionCarriesTheMessage) {
  const std::string e = error_of("{% if messages|length == 0 %}{{ raise_exception('Roles must alternate!') }}{% endif %}",
                                 {{"messages", ordered_json::array()}});
  EXPECT_NE(e.find("Roles must alternate!"), std::string::npos) << e;
  EXPECT_NE(e.find("line 1, column 33"), std::string::npos) << e;
}

TEST(JinjaTest, SandboxRefusesMutation) {
  const ordered_json ctx = {{"xs", {1, 2}}, {"d", {{"a", 1}}}};
  EXPECT_NE(error_of("{{ xs.append(3) }}", ctx).find("access to attribute 'append' of 'list' object is unsafe"), std::string::npos);
  EXPECT_NE(error_of("{{ d.update({}) }}", ctx).find("unsafe"), std::string::npos);
  EXPECT_NE(error_of("{% set _ = d.pop('a') %}", ctx).find("unsafe"), std::string::npos);
  EXPECT_EQ(JinjaTemplate::parse("{{ xs.append is defined }}").render(ctx), "False");
}

TEST(JinjaTest, LimitsTurnRunawayTemplatesIntoErrors) {
  EXPECT_NE(error_of("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}").find("loop iterations"),
            std::string::npos);
  EXPECT_NE(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").find("nested deeper"), std::string::npos);
  EXPECT_NE(error_of("{{ 'x' * 100000000 }}").find("MiB"), std::string::npos);
  EXPECT_NE(error_of("{{ 9223372036854775807 + 1 }}").find("overflow"), std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}").find("levels deep"), std::string::npos);
  EXPECT_NE(error_of("{{ 99999999999999999999 }}").find("64 bits"), std::string::npos);
}

TEST(JinjaTest, RenderIsThreadSafeOnASharedTemplate) {
  const JinjaTemplate t = JinjaTemplate::parse(
      "{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}");
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      ordered_json xs = ordered_json::array();
      for (int k = 0; k <= i * 100; ++k) xs.push_back(k);
      for (int rep = 0; rep < 20; ++rep) results[i] = t.render({{"xs", xs}});
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(results[i], std::to_string((i * 100) * (i * 100 + 1) / 2));
}

TEST(JinjaTest, RenderChatBuildsTransformersContext) {
  const JinjaTemplate t = JinjaTemplate::parse(
      "{{ bos_token }}|{{ eos_token }}|{{ tools }}|{{ documents }}|{{ add_generation_prompt }}|{{ messages|length }}|"
      "{{ date_string }}");
  ChatRequest r;
  r.messages = ordered_json::parse(R"([{"role": "user", "content": "hi"}])");
  r.add_generation_prompt = true;
  r.extra = {{"date_string", "1 Jan"}, {"eos_token", "<end>"}};
  EXPECT_EQ(render_chat(t, r, {{"bos_token", "<s>"}, {"eos_token", "</s>"}}), "<s>|<end>|None|None|True|1|1 Jan");
  r.extra = {{"messages", ordered_json::array()}};
  EXPECT_THROW(render_chat(t, r, ordered_json::object()), core::Error);
}

TEST(JinjaTest, StrftimeNowFormatsTheLocalTime) {
  const std::string year = JinjaTemplate::parse("{{ strftime_now('%Y') }}").render({});
  ASSERT_EQ(year.size(), 4u);
  EXPECT_GE(std::stoi(year), 2024);
}

TEST(JinjaTest, ContextMustBeAnObject) {
  EXPECT_THROW(JinjaTemplate::parse("x").render(ordered_json::array()), core::Error);
  EXPECT_EQ(JinjaTemplate::parse("{{ a }}x").render(nullptr), "x");
}

}  // namespace
}  // namespace llmcp::tokenizer::chat
