// engine: Event merging and finish-reason names.
#include "engine/request.h"

#include <iterator>
#include <utility>

namespace hearth::engine {

std::string_view finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::kNone: return "";
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kError: return "error";
  }
  return "";
}

void Event::merge(Event&& later) {
  text += later.text;
  tokens.insert(tokens.end(), later.tokens.begin(), later.tokens.end());
  logprobs.insert(logprobs.end(), std::make_move_iterator(later.logprobs.begin()),
                  std::make_move_iterator(later.logprobs.end()));
  if (later.done()) {
    finish = later.finish;
    error = std::move(later.error);
    usage = later.usage;
    timings = later.timings;
    embeddings = std::move(later.embeddings);
  }
}

}  // namespace hearth::engine
