// engine: what a client asks of a model (Request) and what comes back (Event), independent of
// any wire format; the server turns OpenAI JSON into these and back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hearth::engine {

// Why a request ended. kNone: it has not.
enum class FinishReason { kNone, kStop, kLength, kCancelled, kError };

// "stop", "length", "cancelled", "error" ("" for kNone): OpenAI's finish_reason values where
// OpenAI has one.
std::string_view finish_reason_name(FinishReason r);

// The most top_logprobs a request may ask for (OpenAI's limit).
inline constexpr int32_t kMaxTopLogprobs = 20;

struct GenerateParams {
  sampling::SamplingParams sampling;
  int32_t max_tokens = -1;         // < 0: until end of generation or the context is full
  std::vector<std::string> stop;   // generation ends before the first occurrence of any
  bool logprobs = false;           // report each generated token's log-probability
  int32_t top_logprobs = 0;        // and that many alternatives (0..kMaxTopLogprobs)
  bool ignore_eos = false;         // end-of-generation tokens are generated like any other
};

struct Request {
  enum class Kind { kGenerate, kEmbed };
  Kind kind = Kind::kGenerate;
  // kGenerate: the prompt, already tokenised (with BOS where the model wants one).
  std::vector<TokenId> prompt;
  GenerateParams params;
  // kEmbed: each input is embedded on its own (pooled, L2-normalised).
  std::vector<std::vector<TokenId>> inputs;
};

struct TopLogprob {
  TokenId id = -1;
  std::string bytes;  // the token's bytes (may be part of a UTF-8 character)
  float logprob = 0.0f;
};

// A generated token under the model's distribution (log-softmax of the raw logits, before
// penalties and truncation), with the best alternatives, most likely first.
struct TokenLogprob {
  TokenId id = -1;
  std::string bytes;
  float logprob = 0.0f;
  std::vector<TopLogprob> top;
};

struct Usage {
  int32_t prompt_tokens = 0;      // kEmbed: all inputs together
  int32_t completion_tokens = 0;  // tokens sampled (an end-of-generation token counts)
  int32_t cached_tokens = 0;      // prompt tokens whose KV was reused, not evaluated
};

struct Timings {
  double queue_ms = 0;       // submit to admission into a slot
  double ttft_ms = 0;        // submit to the first token
  int32_t prompt_n = 0;      // prompt tokens evaluated (not counting reused ones)
  double prompt_ms = 0;      // admission to the first token
  int32_t predicted_n = 0;   // tokens generated
  double predicted_ms = 0;   // first to last token
  double prompt_per_second() const { return prompt_ms > 0 ? prompt_n * 1000.0 / prompt_ms : 0; }
  // Generation speed counts the intervals after the first token.
  double predicted_per_second() const {
    return predicted_ms > 0 && predicted_n > 1 ? (predicted_n - 1) * 1000.0 / predicted_ms : 0;
  }
};

// One message from the engine to a request's owner. A request gets events with text until the
// last, which has finish != kNone and carries usage and timings (and embeddings for kEmbed).
// Events waiting to be read are merged, so a slow reader gets fewer, larger ones.
struct Event {
  std::string text;                     // new text: whole UTF-8 characters, stop strings cut
  std::vector<TokenId> tokens;          // tokens sampled since the previous event
  std::vector<TokenLogprob> logprobs;   // one per token when logprobs were asked for
  FinishReason finish = FinishReason::kNone;
  std::string error;                    // kError, kCancelled: why
  Usage usage;
  Timings timings;
  std::vector<std::vector<float>> embeddings;  // kEmbed: one per input

  bool done() const { return finish != FinishReason::kNone; }
  // Appends `later` to this event (text, tokens, logprobs; the end if it has one).
  void merge(Event&& later);
};

}  // namespace hearth::engine
