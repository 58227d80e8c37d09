// server: parsing OpenAI request bodies.
#include "server/openai_request.h"

#include <fmt/format.h>

#include <cstdint>
#include <limits>

namespace hearth::server {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

MaybeError require_model(const json& body, std::string& model) {
  HEARTH_API_TRY(read_string(body, "model", model));
  if (model.empty()) return ApiError::bad_request("'model' is required: the id of a served model", "model");
  return std::nullopt;
}

MaybeError reject_unsupported(const json& body) {
  int64_t n = 1;
  HEARTH_API_TRY(read_int(body, "n", 1, 128, n));
  if (n != 1) return ApiError::bad_request("only n = 1 is supported", "n");
  int64_t best_of = 1;
  HEARTH_API_TRY(read_int(body, "best_of", 1, 128, best_of));
  if (best_of != 1) return ApiError::bad_request("only best_of = 1 is supported", "best_of");
  if (const auto it = body.find("response_format"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return ApiError::bad_request("'response_format' must be an object", "response_format");
    std::string type = "text";
    HEARTH_API_TRY(read_string(*it, "type", type));
    if (type != "text")
      return ApiError::bad_request(
          fmt::format("response_format type '{}' is not supported (only 'text')", type),
          "response_format");
  }
  return std::nullopt;
}

// The fields chat and completions share: sampling, limits, stop strings, streaming.
MaybeError read_generation_fields(const json& body, GenerationRequest& out) {
  HEARTH_API_TRY(require_model(body, out.model));
  HEARTH_API_TRY(reject_unsupported(body));
  engine::GenerateParams& p = out.params;
  sampling::SamplingParams& s = p.sampling;
  HEARTH_API_TRY(read_float(body, "temperature", 0.0, 100.0, s.temperature));
  HEARTH_API_TRY(read_float(body, "top_p", 0.0, 1.0, s.top_p));
  HEARTH_API_TRY(read_float(body, "min_p", 0.0, 1.0, s.min_p));
  int64_t top_k = s.top_k;
  HEARTH_API_TRY(read_int(body, "top_k", -1, kInt32Max, top_k));
  s.top_k = static_cast<int32_t>(top_k);
  HEARTH_API_TRY(read_float(body, "presence_penalty", -2.0, 2.0, s.presence_penalty));
  HEARTH_API_TRY(read_float(body, "frequency_penalty", -2.0, 2.0, s.frequency_penalty));
  HEARTH_API_TRY(read_float(body, "repeat_penalty", 1e-3, 100.0, s.repeat_penalty));
  HEARTH_API_TRY(read_float(body, "repetition_penalty", 1e-3, 100.0, s.repeat_penalty));
  int64_t seed = -1;
  HEARTH_API_TRY(read_int(body, "seed", std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max(), seed));
  // Any 64-bit seed is accepted; the sampler's generator takes 32 bits.
  s.seed = body.contains("seed") && !body["seed"].is_null() ? static_cast<uint32_t>(seed)
                                                            : sampling::kRandomSeed;

  int64_t max_tokens = -1;
  HEARTH_API_TRY(read_int(body, "max_tokens", 1, kInt32Max, max_tokens));
  HEARTH_API_TRY(read_int(body, "max_completion_tokens", 1, kInt32Max, max_tokens));
  p.max_tokens = static_cast<int32_t>(max_tokens);
  HEARTH_API_TRY(read_string_or_list(body, "stop", kMaxStopStrings, p.stop));
  HEARTH_API_TRY(read_bool(body, "ignore_eos", p.ignore_eos));

  HEARTH_API_TRY(read_bool(body, "stream", out.stream));
  if (const auto it = body.find("stream_options"); it != body.end() && !it->is_null()) {
    if (!it->is_object())
      return ApiError::bad_request("'stream_options' must be an object", "stream_options");
    HEARTH_API_TRY(read_bool(*it, "include_usage", out.include_usage));
  }
  return std::nullopt;
}

// Text of a message's content: a string, null, or a list of {"type": "text", "text": ...}
// parts (joined with newlines).
MaybeError content_text(const json& content, size_t index, ojson& out) {
  const std::string param = fmt::format("messages[{}].content", index);
  if (content.is_null() || content.is_string()) {
    out = ojson(content);
    return std::nullopt;
  }
  if (!content.is_array())
    return ApiError::bad_request(
        fmt::format("'{}' must be a string or a list of text parts, got {}", param, json_kind(content)),
        param);
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    std::string type, part_text;
    if (!part.is_object())
      return ApiError::bad_request(fmt::format("'{}[{}]' must be an object", param, i), param);
    HEARTH_API_TRY(read_string(part, "type", type));
    if (type != "text")
      return ApiError::bad_request(
          fmt::format("'{}[{}]' has type '{}': only text content is supported", param, i, type),
          param);
    HEARTH_API_TRY(read_string(part, "text", part_text));
    if (i > 0) text += '\n';
    text += part_text;
  }
  out = text;
  return std::nullopt;
}

MaybeError read_messages(const json& body, ojson& out) {
  const auto it = body.find("messages");
  if (it == body.end() || !it->is_array() || it->empty())
    return ApiError::bad_request("'messages' must be a non-empty list of messages", "messages");
  out = ojson::array();
  for (size_t i = 0; i < it->size(); ++i) {
    const json& m = (*it)[i];
    if (!m.is_object())
      return ApiError::bad_request(fmt::format("'messages[{}]' must be an object, got {}", i, json_kind(m)),
                                   "messages");
    const auto role = m.find("role");
    if (role == m.end() || !role->is_string() || role->get<std::string>().empty())
      return ApiError::bad_request(fmt::format("'messages[{}].role' must be a non-empty string", i),
                                   "messages");
    // Other keys (name, tool_calls, tool_call_id ...) go to the template as sent.
    ojson msg = ojson::parse(m.dump());
    ojson text;
    HEARTH_API_TRY(content_text(m.contains("content") ? m["content"] : json(nullptr), i, text));
    msg["content"] = text;
    out.push_back(std::move(msg));
  }
  return std::nullopt;
}

}  // namespace

MaybeError parse_chat_request(const json& body, GenerationRequest& out) {
  HEARTH_API_TRY(read_generation_fields(body, out));
  HEARTH_API_TRY(read_messages(body, out.chat.messages));
  HEARTH_API_TRY(read_bool(body, "logprobs", out.params.logprobs));
  int64_t top = 0;
  HEARTH_API_TRY(read_int(body, "top_logprobs", 0, engine::kMaxTopLogprobs, top));
  if (top > 0 && !out.params.logprobs)
    return ApiError::bad_request("'top_logprobs' needs 'logprobs': true", "top_logprobs");
  out.params.top_logprobs = static_cast<int32_t>(top);
  if (const auto it = body.find("tools"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return ApiError::bad_request("'tools' must be a list", "tools");
    out.chat.tools = ojson::parse(it->dump());
  }
  if (const auto it = body.find("chat_template_kwargs"); it != body.end() && !it->is_null()) {
    if (!it->is_object())
      return ApiError::bad_request("'chat_template_kwargs' must be an object", "chat_template_kwargs");
    out.chat.extra = ojson::parse(it->dump());
  }
  out.chat.add_generation_prompt = true;
  return std::nullopt;
}

MaybeError parse_completion_request(const json& body, GenerationRequest& out) {
  HEARTH_API_TRY(read_generation_fields(body, out));
  bool echo = false;
  HEARTH_API_TRY(read_bool(body, "echo", echo));
  if (echo) return ApiError::bad_request("'echo' is not supported", "echo");
  std::string suffix;
  HEARTH_API_TRY(read_string(body, "suffix", suffix));
  if (!suffix.empty()) return ApiError::bad_request("'suffix' is not supported", "suffix");
  int64_t logprobs = -1;
  HEARTH_API_TRY(read_int(body, "logprobs", 0, engine::kMaxTopLogprobs, logprobs));
  out.params.logprobs = logprobs >= 0;
  out.params.top_logprobs = static_cast<int32_t>(std::max<int64_t>(0, logprobs));

  // prompt: a string, a list of one string, a list of token ids, or a list of one such list.
  const auto it = body.find("prompt");
  const auto bad = [] {
    return ApiError::bad_request(
        "'prompt' must be a string, a list of one string, or a list of token ids", "prompt");
  };
  if (it == body.end() || it->is_null()) return bad();
  const json* p = &*it;
  if (p->is_array() && p->size() == 1 && ((*p)[0].is_string() || (*p)[0].is_array())) p = &(*p)[0];
  if (p->is_string()) {
    out.prompt_text = p->get<std::string>();
    return std::nullopt;
  }
  if (!p->is_array() || p->empty()) return bad();
  if ((*p)[0].is_string())
    return ApiError::bad_request("only one prompt per request is supported", "prompt");
  out.prompt_is_tokens = true;
  for (const json& t : *p) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > kInt32Max) return bad();
    out.prompt_tokens.push_back(static_cast<TokenId>(t.get<int64_t>()));
  }
  return std::nullopt;
}

MaybeError parse_embedding_request(const json& body, EmbeddingRequest& out) {
  HEARTH_API_TRY(require_model(body, out.model));
  std::string format = "float";
  HEARTH_API_TRY(read_string(body, "encoding_format", format));
  if (format != "float" && format != "base64")
    return ApiError::bad_request(
        fmt::format("'encoding_format' must be 'float' or 'base64', got '{}'", format),
        "encoding_format");
  out.base64 = format == "base64";
  const auto it = body.find("input");
  const auto bad = [] {
    return ApiError::bad_request(
        "'input' must be a string, a list of strings, a list of token ids or a list of such lists",
        "input");
  };
  if (it == body.end() || it->is_null()) return bad();
  const auto read_tokens = [&](const json& list, std::vector<TokenId>& ids) {
    for (const json& t : list) {
      if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() > kInt32Max) return false;
      ids.push_back(static_cast<TokenId>(t.get<int64_t>()));
    }
    return !ids.empty();
  };
  if (it->is_string()) {
    out.texts.push_back(it->get<std::string>());
    return std::nullopt;
  }
  if (!it->is_array() || it->empty()) return bad();
  if (it->size() > kMaxEmbeddingInputs)
    return ApiError::bad_request(
        fmt::format("'input' may hold at most {} inputs, got {}", kMaxEmbeddingInputs, it->size()),
        "input");
  const json& first = (*it)[0];
  if (first.is_string()) {
    for (const json& s : *it) {
      if (!s.is_string()) return bad();
      out.texts.push_back(s.get<std::string>());
    }
  } else if (first.is_number()) {
    out.token_inputs.emplace_back();
    if (!read_tokens(*it, out.token_inputs.back())) return bad();
  } else {
    for (const json& list : *it) {
      out.token_inputs.emplace_back();
      if (!list.is_array() || !read_tokens(list, out.token_inputs.back())) return bad();
    }
  }
  return std::nullopt;
}

}  // namespace hearth::server
