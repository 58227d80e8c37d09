// Unit tests of the Jinja semantics chat templates depend on. Each expected text below was
// produced by Python jinja2 3.1.6 configured as transformers' apply_chat_template configures it
// (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, json.dumps tojson,
// clock fixed at 2026-01-15), so these are reference renderings, not this renderer's own output.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"

namespace hearth::chat {
namespace {

struct Case {
  const char* source;
  const char* context;  // JSON object
  const char* expected;
};

// Whitespace
constexpr Case kWhitespace[] = {
    {"a  {{- 'b' -}}  c", "{}", "abc"},
    {"  {% if true %}\n    x\n  {% endif %}\ny", "{}", "    x\ny"},
    {"  {%+ if true %}x{% endif %}", "{}", "  x"},
    {"{% if true +%}\nx{% endif %}", "{}", "\nx"},
    {"a\n", "{}", "a"},
    {"a\n\n", "{}", "a\n"},
    {"a\r\nb\rc", "{}", "a\nb\nc"},
    {"a {# note #}\nb\n  {# indented #}\nc", "{}", "a b\nc"},
    {"{%- for i in [1, 2] %}\n  {{ i }}\n{%- endfor %}\nend", "{}", "  1  2end"},
    {"x {{ 1 }}\n  {{- 2 }} {{ 3 -}}\n\n y", "{}", "x 12 3y"},
    {"{% raw %}\n  {{ not }} {% evaluated %}\n{% endraw %}!", "{}", "\n  {{ not }} {% evaluated %}\n!"},
    {"\t{% set x = 1 %}\n\t{{ x }}\n", "{}", "\t1"},
};
// Loops
constexpr Case kLoops[] = {
    {"{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }};{% endfor %}", "{\"messages\": [\"a\", \"b\", \"c\"]}", "10TrueFalse332;21FalseFalse321;32FalseTrue310;"},
    {"{% for m in messages %}{{ loop.previtem if loop.previtem is defined else '-' }}{{ m }}{{ loop.nextitem if loop.nextitem is defined else '-' }}{{ loop.cycle('x', 'y') }} {% endfor %}", "{\"messages\": [\"a\", \"b\", \"c\"]}", "-abx abcy bc-x "},
    {"{% for m in messages if m != 'b' %}{{ loop.index }}{{ m }}{{ loop.length }}{% else %}none{% endfor %}", "{\"messages\": [\"a\", \"b\", \"c\"]}", "1a22c2"},
    {"{% for m in [] %}x{% else %}empty{% endfor %}", "{}", "empty"},
    {"{% for k, v in {'b': 1, 'a': 2}.items() %}{{ k }}={{ v }} {% endfor %}", "{}", "b=1 a=2 "},
    {"{% for i in range(10) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}", "{}", "023"},
    {"{% set x = 'outer' %}{% for i in [1] %}{% set x = 'inner' %}{{ x }}{% endfor %}{{ x }}", "{}", "innerouter"},
    {"{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", "{}", "6"},
    {"{% for i in [1, 2] %}{% for j in 'ab' %}{{ loop.index }}{{ j }}{% endfor %}{{ loop.index }};{% endfor %}", "{}", "1a2b1;1a2b2;"},
    {"{% for i in [1, 2, 3] %}{% if i == 2 %}{% set seen = i %}{% endif %}[{{ seen }}]{% endfor %}", "{}", "[][2][]"},
    {"{% for i in [1, 2] %}{% if i == 1 %}{% break %}{% endif %}{% else %}else-ran{% endfor %}|{% for i in [1, 2] %}{% if i == 1 %}{% continue %}{% endif %}{% else %}no{% endfor %}|{% for i in [1, 2, 3] %}{% set t %}{{ i }}{% if i == 2 %}{% break %}{% endif %}{% endset %}{{ t }}{% endfor %}", "{}", "else-ran||1"},
};
// Slicing
constexpr Case kSlicing[] = {
    {"{% for m in messages[::-1] %}{{ m }}{% endfor %}|{{ messages[1:] }}|{{ messages[:-1] }}|{{ messages[-1] }}|{{ messages[5] }}|{{ messages[::2] }}|{{ messages[2:0:-1] }}", "{\"messages\": [\"a\", \"b\", \"c\"]}", "cba|['b', 'c']|['a', 'b']|c||['a', 'c']|['c', 'b']"},
    {"{{ s[0] }}{{ s[-1] }}{{ s[1:3] }}{{ s[::-1] }}{{ s|length }}", "{\"s\": \"Zo\xc3\xab""\xe2\x86\x92""\xe6\x97\xa5""\xe6\x9c\xac""\"}", "Z\xe6\x9c\xac""o\xc3\xab""\xe6\x9c\xac""\xe6\x97\xa5""\xe2\x86\x92""\xc3\xab""oZ6"},
};
// Printing
constexpr Case kPrinting[] = {
    {"{{ none }} {{ true }} {{ false }} {{ 1.0 }} {{ 3 / 2 }} {{ 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 12345.5 }}", "{}", "None True False 1.0 1.5 2.0 3 -4 2 1024 0.30000000000000004 1e+16 1e-05 12345.5"},
    {"{{ [1, 'a', none, true, 2.5] }} {{ {'k': 'v', 'n': none} }} {{ (1,) }} {{ (1, 'b') }} {{ [\"it's\", 'say \"hi\"', 'both \\' \"'] }} {{ ['\\n\\t\\\\'] }}", "{}", "[1, 'a', None, True, 2.5] {'k': 'v', 'n': None} (1,) (1, 'b') [\"it's\", 'say \"hi\"', 'both \\' \"'] ['\\n\\t\\\\']"},
    {"{{ d }}|{{ d.args }}|{{ d.args.flag }}|{{ d.args.none_value }}|{{ d.list }}", "{\"d\": {\"args\": {\"flag\": true, \"none_value\": null, \"n\": 1.5}, \"list\": [\"INTEGER\", \"NULL\"]}}", "{'args': {'flag': True, 'none_value': None, 'n': 1.5}, 'list': ['INTEGER', 'NULL']}|{'flag': True, 'none_value': None, 'n': 1.5}|True|None|['INTEGER', 'NULL']"},
    {"{{ 'a' ~ 1 ~ none ~ true ~ missing }}|{{ missing }}|{{ 10 / 4 }}|{{ 1 + 1.0 }}|{{ true + 1 }}", "{}", "a1NoneTrue||2.5|2.0|2"},
    {"{{ range(3) }}|{{ range(1, 9, 2) }}|{{ range(3)|list }}|{{ ['x'|safe] }}|{{ range(3) == [0, 1, 2] }}", "{}", "range(0, 3)|range(1, 9, 2)|[0, 1, 2]|[Markup('x')]|False"},
};
// Tojson
constexpr Case kTojson[] = {
    {"{{ d|tojson }}", "{\"d\": {\"b\": [1, 2.5, null, true], \"a\": \"\xc3\xa9""\\\"\\\\\\n\"}}", "{\"b\": [1, 2.5, null, true], \"a\": \"\xc3\xa9""\\\"\\\\\\n\"}"},
    {"{{ d|tojson(indent=2) }}", "{\"d\": {\"b\": [1, {\"x\": []}], \"a\": {}}}", "{\n  \"b\": [\n    1,\n    {\n      \"x\": []\n    }\n  ],\n  \"a\": {}\n}"},
    {"{{ d|tojson(sort_keys=true) }}|{{ d|tojson(separators=(',', ':')) }}|{{ d|tojson(ensure_ascii=true) }}", "{\"d\": {\"z\": \"\xe6\x97\xa5""\xe6\x9c\xac"" \xf0\x9f\x98\x80""\", \"a\": 1}}", "{\"a\": 1, \"z\": \"\xe6\x97\xa5""\xe6\x9c\xac"" \xf0\x9f\x98\x80""\"}|{\"z\":\"\xe6\x97\xa5""\xe6\x9c\xac"" \xf0\x9f\x98\x80""\",\"a\":1}|{\"z\": \"\\u65e5\\u672c \\ud83d\\ude00\", \"a\": 1}"},
    {"{{ d|tojson(indent=4, separators=(', ', ': ')) }}", "{\"d\": {\"k\": [1, 2]}}", "{\n    \"k\": [\n        1, \n        2\n    ]\n}"},
    {"{{ 'tab\\there'|tojson }}{{ 1.0|tojson }}{{ (1, 2)|tojson }}{{ none|tojson }}", "{}", "\"tab\\there\"1.0[1, 2]null"},
};
// Filters
constexpr Case kFilters[] = {
    {"{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|join(', ') }}|{{ messages|rejectattr('role', 'equalto', 'user')|list|length }}|{{ messages|map(attribute='role')|unique|list }}", "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}, {\"role\": \"user\", \"content\": \"c\"}]}", "a, c|1|['user', 'assistant']"},
    {"{{ d|dictsort }}|{{ d|items|list }}|{{ d|length }}|{{ d|list }}|{{ d|first }}", "{\"d\": {\"b\": 1, \"A\": 2, \"c\": 3}}", "[('A', 2), ('b', 1), ('c', 3)]|[('b', 1), ('A', 2), ('c', 3)]|3|['b', 'A', 'c']|b"},
    {"{{ '  x  '|trim }}|{{ missing|default('dflt') }}|{{ ''|default('dflt', true) }}|{{ none|default('dflt') }}|{{ 'ab'|upper }}|{{ 'AB'|lower }}|{{ 'a-b'|replace('-', '+') }}|{{ '12'|int + 1 }}|{{ 'x'|int }}|{{ 3.7|int }}|{{ 5|string ~ 'x' }}", "{}", "x|dflt|dflt|None|AB|ab|a+b|13|0|3|5x"},
    {"{{ 'line1\\nline2\\n\\nline4'|indent(2) }}|{{ 'a\\nb'|indent(first=true) }}|{{ [3, 1, 2]|sort }}|{{ [3, 1, 2]|min }}|{{ [3, 1, 2]|max }}|{{ [3, 1, 2]|first }}|{{ [3, 1, 2]|last }}|{{ [1, 2, 3]|reject('odd')|list }}|{{ 'abc'|list }}", "{}", "line1\n  line2\n\n  line4|    a\n    b|[1, 2, 3]|1|3|3|2|[2]|['a', 'b', 'c']"},
    {"{% set g = [1, 2, 3]|map('string') %}{{ g|join }}{{ g|join }}|{{ [1, 2]|select('odd') is defined }}", "{}", "123|True"},
    {"{% filter upper %}up {{ 'x' }}{% endfilter %}|{% set b | trim %}  blk  {% endset %}[{{ b }}]", "{}", "UP X|[blk]"},
};
// Tests
constexpr Case kTests[] = {
    {"{{ x is defined }}{{ missing is defined }}{{ missing is undefined }}{{ n is none }}{{ s is string }}{{ d is mapping }}{{ l is iterable }}{{ l is sequence }}{{ s is sequence }}{{ d is iterable }}{{ t is boolean }}{{ 1 is number }}{{ 1.5 is float }}{{ 1 is integer }}{{ t is true }}{{ t is false }}{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 'a' is equalto 'a' }}{{ n is not none }}", "{\"x\": 1, \"n\": null, \"s\": \"s\", \"d\": {}, \"l\": [], \"t\": true}", "TrueFalseTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueFalseTrueTrueTrueTrueFalse"},
};
// Methods
constexpr Case kMethods[] = {
    {"{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a.b.c'.rsplit('.', 1) }}|{{ 'Hello'.startswith('He') }}|{{ 'Hello'.endswith(('x', 'lo')) }}|{{ 'hello world'.title() }}|{{ 'abc'.replace('b', 'B') }}|{{ 'xxhixx'.strip('x') }}|{{ '{} is {}'.format('a', 1) }}", "{\"s\": \"  pad me \\n\"}", "pad me|pad me \n|  pad me|['pad', 'me']|['a', 'b', '', 'c']|['a', 'b c']|['a.b', 'c']|True|True|Hello World|aBc|hi|a is 1"},
    {"{{ d.get('a') }}|{{ d.get('zz', 'none') }}|{{ d.get('zz') }}|{{ d.keys()|list }}|{{ d.values()|list }}|{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}", "{\"d\": {\"a\": 1, \"b\": 2}}", "1|none|None|['a', 'b']|[1, 2]|a1b2"},
};
// Macros
constexpr Case kMacros[] = {
    {"{% macro m(a, b='B', c=none) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }}|{{ m(1, 2) }}|{{ m(1, c=3) }}|{{ m(b=2) }}", "{}", "1BNone|12None|1B3|2None"},
    {"{% macro m(x) %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k='v') }}", "{}", "(2, 3){'k': 'v'}"},
    {"{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}inside{% endcall %}", "{}", "[inside]"},
    {"{% set g = 'early' %}{% macro m() %}{{ g }}{% endmacro %}{% set g = 'late' %}{{ m() }}", "{}", "late"},
    {"{% macro rec(n) %}{{ n }}{% if n > 0 %}{{ rec(n - 1) }}{% endif %}{% endmacro %}{{ rec(3) }}", "{}", "3210"},
    {"{% macro m() %}{{ loop is defined }}{% endmacro %}{% for i in [1] %}{{ m() }}{% endfor %}", "{}", "False"},
};
// Markup
constexpr Case kMarkup[] = {
    {"{{ 'safe <b>'|safe + ' & <plain>' }}|{{ '<a>' + 'x'|safe }}|{{ ('<a>'|safe) ~ '<b>' }}|{{ '<&>'|e }}", "{}", "safe <b> &amp; &lt;plain&gt;|&lt;a&gt;x|<a><b>|&lt;&amp;&gt;"},
};
// Misc
constexpr Case kMisc[] = {
    {"{% generation %}gen {{ 1 }}{% endgeneration %}|{% with a = 2 %}{{ a }}{% endwith %}|{{ strftime_now('%Y-%m-%d|%d %b %Y|%B %d, %Y') }}", "{}", "gen 1|2|2026-01-15|15 Jan 2026|January 15, 2026"},
    {"{{ bos_token }}{{ messages[0].content }}{{ messages[0]['role'] }}{{ messages[0].missing }}{{ tools is none }}{{ tools is defined }}", "{\"bos_token\": \"<s>\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": null}", "<s>hiuserTrueTrue"},
    {"{{ x['items'] }}{{ x.items is defined }}{{ x.get('items') }}", "{\"x\": {\"items\": 7}}", "7True7"},
};

void check_all(const Case* cases, size_t n) {
  RenderOptions options;
  options.now = parse_clock("2026-01-15");
  for (size_t i = 0; i < n; ++i) {
    SCOPED_TRACE(cases[i].source);
    auto tmpl = ChatTemplate::parse(cases[i].source);
    ASSERT_TRUE(tmpl.is_ok()) << tmpl.message();
    auto out = tmpl->render(nlohmann::ordered_json::parse(cases[i].context), options);
    ASSERT_TRUE(out.is_ok()) << out.message();
    EXPECT_EQ(*out, cases[i].expected);
  }
}

#define CHECK_CASES(table) check_all(table, sizeof(table) / sizeof(table[0]))

TEST(TemplateSemantics, WhitespaceControlTrimAndLstripBlocks) { CHECK_CASES(kWhitespace); }
TEST(TemplateSemantics, LoopVariablesControlsAndScoping) { CHECK_CASES(kLoops); }
TEST(TemplateSemantics, SlicingIncludingNegativeStepsAndUnicode) { CHECK_CASES(kSlicing); }
TEST(TemplateSemantics, PythonStrAndReprPrinting) { CHECK_CASES(kPrinting); }
TEST(TemplateSemantics, TojsonIsJsonDumps) { CHECK_CASES(kTojson); }
TEST(TemplateSemantics, Filters) { CHECK_CASES(kFilters); }
TEST(TemplateSemantics, Tests) { CHECK_CASES(kTests); }
TEST(TemplateSemantics, StrAndDictMethods) { CHECK_CASES(kMethods); }
TEST(TemplateSemantics, MacrosDefaultsCallerAndClosures) { CHECK_CASES(kMacros); }
TEST(TemplateSemantics, SafeStringsEscapeWhatIsAddedToThem) { CHECK_CASES(kMarkup); }
TEST(TemplateSemantics, GenerationWithClockAndContext) { CHECK_CASES(kMisc); }

}  // namespace
}  // namespace hearth::chat
