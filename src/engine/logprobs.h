// engine: log-probabilities of sampled tokens under the model's distribution.
#pragma once

#include <cstdint>
#include <span>

#include "engine/request.h"
#include "tokenizer/tokenizer.h"

namespace hearth::engine {

// The log-softmax of `logits` at `chosen`, and the `n_top` most likely tokens (highest first,
// lower id first on ties). NaN logits count as -inf.
TokenLogprob token_logprob(std::span<const float> logits, TokenId chosen, int32_t n_top,
                           const Tokenizer& tokenizer);

}  // namespace hearth::engine
