// server: OpenAI response bodies.
#include "server/openai_response.h"

#include <cstring>

namespace hearth::server {
namespace {

using json = nlohmann::json;

json byte_list(const std::string& s) {
  json out = json::array();
  for (unsigned char c : s) out.push_back(static_cast<int>(c));
  return out;
}

json finish_name(engine::FinishReason r) {
  if (r == engine::FinishReason::kNone) return nullptr;
  return std::string(engine::finish_reason_name(r));
}

json envelope(const ResponseInfo& info, bool chunk) {
  return {{"id", info.id},
          {"object", info.chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
          {"created", info.created},
          {"model", info.model},
          {"system_fingerprint", "hearth-0.1.0"}};
}

}  // namespace

json usage_json(const engine::Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", u.cached_tokens}}}};
}

json timings_json(const engine::Timings& t) {
  return {{"queue_ms", t.queue_ms},
          {"prompt_n", t.prompt_n},
          {"prompt_ms", t.prompt_ms},
          {"prompt_per_second", t.prompt_per_second()},
          {"predicted_n", t.predicted_n},
          {"predicted_ms", t.predicted_ms},
          {"predicted_per_second", t.predicted_per_second()},
          {"ttft_ms", t.ttft_ms}};
}

json chat_logprobs_json(std::span<const engine::TokenLogprob> lps) {
  json content = json::array();
  for (const engine::TokenLogprob& lp : lps) {
    json top = json::array();
    for (const engine::TopLogprob& t : lp.top) {
      top.push_back({{"token", t.bytes}, {"logprob", t.logprob}, {"bytes", byte_list(t.bytes)}});
    }
    content.push_back({{"token", lp.bytes},
                       {"logprob", lp.logprob},
                       {"bytes", byte_list(lp.bytes)},
                       {"top_logprobs", std::move(top)}});
  }
  return {{"content", std::move(content)}, {"refusal", nullptr}};
}

json completion_logprobs_json(std::span<const engine::TokenLogprob> lps, size_t& offset) {
  json tokens = json::array(), logprobs = json::array(), tops = json::array(),
       offsets = json::array();
  for (const engine::TokenLogprob& lp : lps) {
    tokens.push_back(lp.bytes);
    logprobs.push_back(lp.logprob);
    json top = json::object();
    for (const engine::TopLogprob& t : lp.top) top[t.bytes] = t.logprob;
    tops.push_back(std::move(top));
    offsets.push_back(offset);
    offset += lp.bytes.size();
  }
  return {{"tokens", std::move(tokens)},
          {"token_logprobs", std::move(logprobs)},
          {"top_logprobs", std::move(tops)},
          {"text_offset", std::move(offsets)}};
}

json completion_body(const ResponseInfo& info, const engine::Event& all) {
  json body = envelope(info, false);
  json choice = {{"index", 0}};
  size_t offset = 0;
  if (info.chat) {
    choice["message"] = {{"role", "assistant"}, {"content", all.text}};
  } else {
    choice["text"] = all.text;
  }
  if (all.logprobs.empty()) {
    choice["logprobs"] = nullptr;
  } else {
    choice["logprobs"] = info.chat ? chat_logprobs_json(all.logprobs)
                                   : completion_logprobs_json(all.logprobs, offset);
  }
  choice["finish_reason"] = finish_name(all.finish);
  body["choices"] = json::array({std::move(choice)});
  body["usage"] = usage_json(all.usage);
  body["timings"] = timings_json(all.timings);
  return body;
}

json first_chat_chunk(const ResponseInfo& info) {
  json body = envelope(info, true);
  body["choices"] = json::array({{{"index", 0},
                                  {"delta", {{"role", "assistant"}, {"content", ""}}},
                                  {"logprobs", nullptr},
                                  {"finish_reason", nullptr}}});
  return body;
}

json content_chunk(const ResponseInfo& info, const engine::Event& delta, size_t& offset) {
  json body = envelope(info, true);
  json choice = {{"index", 0}};
  if (info.chat) {
    choice["delta"] = {{"content", delta.text}};
  } else {
    choice["text"] = delta.text;
  }
  if (delta.logprobs.empty()) {
    choice["logprobs"] = nullptr;
  } else {
    choice["logprobs"] = info.chat ? chat_logprobs_json(delta.logprobs)
                                   : completion_logprobs_json(delta.logprobs, offset);
  }
  choice["finish_reason"] = nullptr;
  body["choices"] = json::array({std::move(choice)});
  return body;
}

json finish_chunk(const ResponseInfo& info, engine::FinishReason reason) {
  json body = envelope(info, true);
  json choice = {{"index", 0}};
  if (info.chat) {
    choice["delta"] = json::object();
  } else {
    choice["text"] = "";
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish_name(reason);
  body["choices"] = json::array({std::move(choice)});
  return body;
}

json usage_chunk(const ResponseInfo& info, const engine::Event& last) {
  json body = envelope(info, true);
  body["choices"] = json::array();
  body["usage"] = usage_json(last.usage);
  body["timings"] = timings_json(last.timings);
  return body;
}

json embeddings_body(const std::string& model, const std::vector<std::vector<float>>& vectors,
                     bool base64, int32_t prompt_tokens) {
  json data = json::array();
  for (size_t i = 0; i < vectors.size(); ++i) {
    json item = {{"object", "embedding"}, {"index", i}};
    if (base64) {
      // Little-endian float32, as OpenAI sends it.
      std::vector<uint8_t> bytes(vectors[i].size() * sizeof(float));
      for (size_t j = 0; j < vectors[i].size(); ++j) {
        uint32_t bits;
        std::memcpy(&bits, &vectors[i][j], sizeof bits);
        for (int b = 0; b < 4; ++b) bytes[j * 4 + b] = static_cast<uint8_t>(bits >> (8 * b));
      }
      item["embedding"] = base64_encode(bytes);
    } else {
      item["embedding"] = vectors[i];
    }
    data.push_back(std::move(item));
  }
  return {{"object", "list"},
          {"data", std::move(data)},
          {"model", model},
          {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

std::string dump_json(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string sse_event(const json& j) { return "data: " + dump_json(j) + "\n\n"; }

std::string base64_encode(std::span<const uint8_t> bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int k = 3; k >= 0; --k) out += kAlphabet[(v >> (6 * k)) & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{bytes[i]} << 16;
    if (rest == 2) v |= uint32_t{bytes[i + 1]} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace hearth::server
