// ChatTemplate API: errors (kinds, messages, line numbers), resource limits, malformed input,
// the context builder, the default template and the clock parser.
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"

namespace hearth::chat {
namespace {

using ojson = nlohmann::ordered_json;

TemplateError render_error(const std::string& source, const ojson& ctx = ojson::object(), RenderOptions options = {}) {
  auto parsed = ChatTemplate::parse_detailed(source);
  if (auto* e = std::get_if<TemplateError>(&parsed)) return *e;
  auto out = std::get<ChatTemplate>(parsed).render_detailed(ctx, options);
  if (auto* e = std::get_if<TemplateError>(&out)) return *e;
  ADD_FAILURE() << "rendered instead of failing: " << std::get<std::string>(out);
  return {};
}

std::string render_ok(const std::string& source, const ojson& ctx = ojson::object()) {
  auto tmpl = ChatTemplate::parse(source);
  EXPECT_TRUE(tmpl.is_ok()) << tmpl.message();
  if (!tmpl.is_ok()) return "";
  auto out = tmpl->render(ctx);
  EXPECT_TRUE(out.is_ok()) << out.message();
  return out.is_ok() ? *out : "";
}

TEST(ChatTemplateErrors, SyntaxErrorsNameTheLine) {
  // Messages as jinja2 words them.
  auto e = render_error("line1\nline2\n{{ 1 + }}");
  EXPECT_EQ(e.kind, TemplateErrorKind::kSyntax);
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.message, "unexpected 'end of print statement'");
  EXPECT_EQ(e.to_string(), "TemplateSyntaxError at line 3: unexpected 'end of print statement'");

  e = render_error("\n\n{% if x %}\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.message,
            "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. "
            "The innermost block that needs to be closed is 'if'.");

  e = render_error("{% for i in x %}{% endif %}");
  EXPECT_EQ(e.message,
            "Encountered unknown tag 'endif'. Jinja was looking for the following tags: 'endfor' or 'else'. "
            "The innermost block that needs to be closed is 'for'.");
  EXPECT_EQ(render_error("{{ (1, 2 }}").message, "unexpected '}', expected ')'");
  EXPECT_EQ(render_error("{# open").message, "Missing end of comment tag");
  EXPECT_EQ(render_error("{{ 'open }}").kind, TemplateErrorKind::kSyntax);
  EXPECT_EQ(render_error("{% break %}").kind, TemplateErrorKind::kSyntax);

  auto status = ChatTemplate::parse("a\n{% foo %}");
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("line 2"), std::string::npos) << status.message();
}

TEST(ChatTemplateErrors, RaiseExceptionKeepsTheTemplatesMessage) {
  const std::string src = "{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}";
  const ojson ctx = {{"messages", {{{"role", "system"}, {"content", "x"}}}}};
  auto e = render_error(src, ctx);
  EXPECT_EQ(e.kind, TemplateErrorKind::kRaised);
  EXPECT_EQ(e.message, "System role not supported");
  auto out = ChatTemplate::parse(src)->render(ctx);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.message(), "System role not supported");  // nothing added to a raised message
}

TEST(ChatTemplateErrors, RuntimeErrorsCarryKindAndLine) {
  auto e = render_error("ok\n{{ x.y }}");
  EXPECT_EQ(e.kind, TemplateErrorKind::kUndefined);
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.message, "'x' is undefined");

  e = render_error("{{ d.a.b }}", {{"d", ojson::object()}});
  EXPECT_EQ(e.message, "'dict object' has no attribute 'a'");

  e = render_error("\n\n{{ 'a' + 1 }}");
  EXPECT_EQ(e.kind, TemplateErrorKind::kType);
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.message, "can only concatenate str (not \"int\") to str");

  EXPECT_EQ(render_error("{{ none() }}").message, "'NoneType' object is not callable");
  EXPECT_EQ(render_error("{{ 1 // 0 }}").kind, TemplateErrorKind::kType);
  EXPECT_EQ(render_error("{% set a, b = [1] %}").message, "not enough values to unpack (expected 2, got 1)");
  EXPECT_EQ(render_error("{% set x = 1 %}{% set x.y = 2 %}").message, "cannot assign attribute on non-namespace object");
  // Unknown filters fail only when reached (transformers has no from_json: DeepSeek V3.2 hits this).
  EXPECT_EQ(render_error("{{ '{}'|from_json }}").message, "No filter named 'from_json'.");
  EXPECT_EQ(render_ok("{% if false %}{{ x|from_json }}{% endif %}ok"), "ok");
}

TEST(ChatTemplateErrors, SandboxRefusesMutationAndGeneratorsAreNotJson) {
  auto e = render_error("{% set l = [] %}{% set _ = l.append(1) %}");
  EXPECT_EQ(e.kind, TemplateErrorKind::kSecurity);
  EXPECT_EQ(e.message, "access to attribute 'append' of 'list' object is unsafe.");
  EXPECT_EQ(render_ok("{{ [].append is defined }}{{ {}.update is defined }}"), "FalseFalse");

  e = render_error("{{ [1, 2]|map('string')|tojson }}");
  EXPECT_EQ(e.kind, TemplateErrorKind::kType);
  EXPECT_EQ(e.message, "Object of type generator is not JSON serializable");
  EXPECT_EQ(render_error("{{ missing|tojson }}").message, "Object of type Undefined is not JSON serializable");
}

TEST(ChatTemplateLimits, RunawayTemplatesStopWithAnError) {
  // Infinite recursion.
  auto e = render_error("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}");
  EXPECT_EQ(e.kind, TemplateErrorKind::kLimit);
  // Exponential fan-out with a base case: caught by the work budget, not by depth.
  RenderOptions small;
  small.limits.max_iterations = 100000;
  e = render_error("{% macro a(n) %}{% if n < 30 %}{% for i in [1, 2, 3] %}{{ a(n + 1) }}{% endfor %}{% endif %}{% endmacro %}{{ a(0) }}",
                   ojson::object(), small);
  EXPECT_EQ(e.kind, TemplateErrorKind::kLimit);
  small.limits.max_iterations = 1000;
  e = render_error("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}", ojson::object(), small);
  EXPECT_EQ(e.kind, TemplateErrorKind::kLimit);
  small.limits.max_output_bytes = 100;
  e = render_error("{{ 'x' * 1000 }}", ojson::object(), small);
  EXPECT_EQ(e.kind, TemplateErrorKind::kLimit);
  // jinja2's sandbox refuses ranges over 100000 items.
  EXPECT_FALSE(ChatTemplate::parse("{{ range(100001)|length }}")->render(ojson::object()).is_ok());
  EXPECT_EQ(render_ok("{{ range(100000)|length }}"), "100000");
}

TEST(ChatTemplateLimits, DeepNestingIsRejectedNotACrash) {
  std::string deep = "{{ " + std::string(400, '(') + "1" + std::string(400, ')') + " }}";
  EXPECT_EQ(render_error(deep).kind, TemplateErrorKind::kSyntax);
  std::string ifs;
  for (int i = 0; i < 300; ++i) ifs += "{% if true %}";
  EXPECT_EQ(render_error(ifs).kind, TemplateErrorKind::kSyntax);
  ojson nested = ojson::array();
  for (int i = 0; i < 2000; ++i) nested = ojson::array({nested});
  EXPECT_EQ(render_error("{{ x }}", {{"x", nested}}).kind, TemplateErrorKind::kLimit);
  // A value built deeper and deeper inside the template.
  EXPECT_EQ(render_error("{% set ns = namespace(x=[]) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}").kind,
            TemplateErrorKind::kLimit);
  // A namespace that holds itself prints as Python prints it.
  EXPECT_EQ(render_ok("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"), "<Namespace {'me': <Namespace {...}>}>");
}

TEST(ChatTemplateLimits, MalformedTemplatesFailCleanly) {
  const char* inputs[] = {
      "{{", "{%", "{#", "}}", "%}", "{{ }}", "{{ x[ }}", "{{ 'a' 'b }}", "{% macro %}", "{% macro m( %}",
      "{{ 1 if }}", "{{ ((((( }}", "{% set ns.a = 1 %}", "{{ ''.join(1) }}", "{{ [1]|batch(0)|list }}",
      "{% for a, b in [1] %}{% endfor %}", "{{ '\xff\xfe' ~ x }}", "{{ 'x'.format('{') }}", "{{ '{'.format(1) }}",
      "{{ '%' % 1 }}", "{{ '%d' % 'x' }}", "{{ 9223372036854775807 + 1 }}", "{{ 99999999999999999999 }}",
      "{{ -9223372036854775807 - 2 }}", "{{ 2 ** 64 }}", "{{ 'a' * 9223372036854775807 }}", "{% raw %}",
      "{{ x.__class__.__mro__ }}", "{{ loop.cycle() }}", "{% for x in y %}{{ loop.cycle() }}{% endfor %}",
      "{{ {[1]: 2} }}", "{{ 1 < 'a' }}", "{{ [1, 'a']|sort }}", "{{ 'abc'[::0] }}", "{{ 'x'|center(-5) }}",
      "{{ 'x'|indent(-3) }}", "{{ 'x'|truncate(1) }}", "{{ none|dictsort }}", "{{ 1|items }}",
  };
  for (const char* src : inputs) {
    SCOPED_TRACE(src);
    auto parsed = ChatTemplate::parse_detailed(src);
    if (std::holds_alternative<TemplateError>(parsed)) continue;
    auto out = std::get<ChatTemplate>(parsed).render_detailed({{"y", {1, 2}}});
    if (auto* e = std::get_if<TemplateError>(&out)) {
      EXPECT_FALSE(e->message.empty());
    }
  }
  EXPECT_EQ(render_error("{{ x }}", ojson::array()).kind, TemplateErrorKind::kType);  // context must be an object
}

TEST(ChatTemplateApi, RendersConcurrentlyAndRepeatably) {
  auto tmpl = ChatTemplate::parse(std::string(default_chat_template()));
  ASSERT_TRUE(tmpl.is_ok());
  ChatContextInput input;
  input.messages = {{{"role", "user"}, {"content", "Hi"}}, {{"role", "assistant"}, {"content", "Hello"}}};
  input.add_generation_prompt = true;
  const ojson ctx = build_chat_context(input);
  const std::string expected = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>assistant\n";
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) results[t] = tmpl->render(ctx).value();
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& r : results) EXPECT_EQ(r, expected);
}

TEST(ChatTemplateApi, BuildChatContextFollowsTransformersPrecedence) {
  ChatContextInput input;
  input.special_tokens = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
  input.extra = {{"eos_token", "<override>"}, {"enable_thinking", false}, {"messages", "ignored"}};
  input.messages = {{{"role", "user"}, {"content", "x"}}};
  const ojson ctx = build_chat_context(input);
  EXPECT_EQ(ctx["bos_token"], "<s>");
  EXPECT_EQ(ctx["eos_token"], "<override>");
  EXPECT_EQ(ctx["enable_thinking"], false);
  EXPECT_TRUE(ctx["messages"].is_array());
  EXPECT_TRUE(ctx.contains("tools") && ctx["tools"].is_null());
  EXPECT_TRUE(ctx.contains("documents") && ctx["documents"].is_null());
  EXPECT_EQ(ctx["add_generation_prompt"], false);
  EXPECT_EQ(render_ok("{{ tools is none }}{{ tools is defined }}{{ pad_token is defined }}", ctx), "TrueTrueFalse");
}

TEST(ChatTemplateApi, ParseClock) {
  auto t = parse_clock("2026-01-15");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->tm_year, 126);
  EXPECT_EQ(t->tm_wday, 4);  // a Thursday
  t = parse_clock("2024-02-29 13:45:10");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->tm_hour, 13);
  EXPECT_FALSE(parse_clock("2026-02-30").has_value());
  EXPECT_FALSE(parse_clock("tomorrow").has_value());
  EXPECT_FALSE(parse_clock("2026-01-15x").has_value());
  RenderOptions options;
  options.now = parse_clock("2024-02-29 13:45:10");
  auto out = ChatTemplate::parse("{{ strftime_now('%A %d %B %Y %H:%M:%S %I%p %j') }}")->render(ojson::object(), options);
  EXPECT_EQ(*out, "Thursday 29 February 2024 13:45:10 01PM 060");
}

}  // namespace
}  // namespace hearth::chat
