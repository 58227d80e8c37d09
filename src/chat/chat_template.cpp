// chat: the public face of the template engine: parse once, render many times.
#include "chat/chat_template.h"

#include <chrono>
#include <cstdio>
#include <new>

#include <fmt/format.h>

#include "chat/template_builtins.h"
#include "chat/template_eval.h"
#include "chat/template_lexer.h"
#include "chat/template_parser.h"

namespace hearth::chat {

struct ChatTemplate::Impl {
  std::string source;
  StmtList body;
};

namespace {

TemplateErrorKind public_kind(ErrorKind k) {
  switch (k) {
    case ErrorKind::kSyntax: return TemplateErrorKind::kSyntax;
    case ErrorKind::kRaised: return TemplateErrorKind::kRaised;
    case ErrorKind::kUndefined: return TemplateErrorKind::kUndefined;
    case ErrorKind::kType: return TemplateErrorKind::kType;
    case ErrorKind::kSecurity: return TemplateErrorKind::kSecurity;
    case ErrorKind::kRuntime: return TemplateErrorKind::kRuntime;
    case ErrorKind::kLimit: return TemplateErrorKind::kLimit;
  }
  return TemplateErrorKind::kRuntime;
}

TemplateError from_exception(const TemplateException& e) { return TemplateError{public_kind(e.kind), e.message, e.line}; }

std::tm local_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

}  // namespace

std::string TemplateError::to_string() const {
  if (kind == TemplateErrorKind::kRaised) return message;
  const char* name = "TemplateRuntimeError";
  switch (kind) {
    case TemplateErrorKind::kSyntax: name = "TemplateSyntaxError"; break;
    case TemplateErrorKind::kUndefined: name = "UndefinedError"; break;
    case TemplateErrorKind::kType: name = "TypeError"; break;
    case TemplateErrorKind::kSecurity: name = "SecurityError"; break;
    case TemplateErrorKind::kLimit: name = "RenderLimitError"; break;
    default: break;
  }
  if (line > 0) return fmt::format("{} at line {}: {}", name, line, message);
  return fmt::format("{}: {}", name, message);
}

std::variant<ChatTemplate, TemplateError> ChatTemplate::parse_detailed(std::string source) {
  auto impl = std::make_shared<Impl>();
  try {
    impl->body = parse_template(tokenize_template(source));
  } catch (const TemplateException& e) {
    return from_exception(e);
  }
  impl->source = std::move(source);
  return ChatTemplate(std::move(impl));
}

Result<ChatTemplate> ChatTemplate::parse(std::string source) {
  auto r = parse_detailed(std::move(source));
  if (auto* e = std::get_if<TemplateError>(&r)) return Status::error(e->to_string());
  return std::get<ChatTemplate>(std::move(r));
}

std::variant<std::string, TemplateError> ChatTemplate::render_detailed(const nlohmann::ordered_json& context,
                                                                       const RenderOptions& options) const {
  if (!context.is_object()) {
    return TemplateError{TemplateErrorKind::kType, fmt::format("the render context must be a JSON object, got {}", context.type_name()), 0};
  }
  try {
    auto globals = std::make_shared<Frame>();
    add_builtin_globals(*globals);
    for (const auto& [key, value] : context.items()) globals->vars[key] = from_json(value);
    InterpreterOptions io;
    io.now = options.now ? *options.now : local_now();
    io.limits = options.limits;
    Interpreter interpreter(io, std::move(globals));
    return interpreter.render(impl_->body);
  } catch (const TemplateException& e) {
    return from_exception(e);
  } catch (const std::bad_alloc&) {
    return TemplateError{TemplateErrorKind::kLimit, "out of memory while rendering", 0};
  }
}

Result<std::string> ChatTemplate::render(const nlohmann::ordered_json& context, const RenderOptions& options) const {
  auto r = render_detailed(context, options);
  if (auto* e = std::get_if<TemplateError>(&r)) return Status::error(e->to_string());
  return std::get<std::string>(std::move(r));
}

const std::string& ChatTemplate::source() const { return impl_->source; }

nlohmann::ordered_json build_chat_context(const ChatContextInput& input) {
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  auto merge = [&](const nlohmann::ordered_json& obj) {
    if (!obj.is_object()) return;
    for (const auto& [k, v] : obj.items()) ctx[k] = v;
  };
  merge(input.special_tokens);
  merge(input.extra);
  ctx["messages"] = input.messages;
  ctx["tools"] = input.tools;
  ctx["documents"] = input.documents;
  ctx["add_generation_prompt"] = input.add_generation_prompt;
  return ctx;
}

std::string_view default_chat_template() {
  return "{% for message in messages %}"
         "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
         "{% endfor %}"
         "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
}

std::optional<std::tm> parse_clock(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char sep = 0;
  const std::string t(text);
  int n = std::sscanf(t.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &s);
  const bool date_only = n == 3 && t.size() == 10;
  const bool full = n == 7 && (sep == ' ' || sep == 'T') && t.size() == 19;
  if (!date_only && !full) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  // timegm normalises and fills in the weekday and day of the year (no time zone involved).
  std::tm copy = tm;
  const std::time_t when = timegm(&copy);
  std::tm out{};
  gmtime_r(&when, &out);
  if (out.tm_mday != d || out.tm_mon != mo - 1) return std::nullopt;  // e.g. 2026-02-30
  return out;
}

}  // namespace hearth::chat
