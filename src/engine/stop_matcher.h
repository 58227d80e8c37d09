// engine: cuts generated text at the first stop string, holding back any tail that could still
// become one, so a client never sees part of a stop string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth::engine {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  // Feeds newly generated text; returns the text that is now safe to emit. After a stop string
  // is found, stopped() is true and the text before it has been returned; later input is
  // ignored.
  std::string push(std::string_view text);
  // The held-back tail at the end of generation (no stop string can complete any more).
  std::string flush();
  bool stopped() const { return stopped_; }

 private:
  // Length of the longest suffix of pending_ that is a proper prefix of some stop string.
  size_t partial_tail() const;

  std::vector<std::string> stops_;  // empty strings removed
  std::string pending_;             // held-back text
  bool stopped_ = false;
};

}  // namespace hearth::engine
