// engine: RequestHandle, the event channel.
#include "engine/request_handle.h"

#include <utility>

namespace hearth::engine {

std::optional<Event> RequestHandle::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (delivered_) return std::nullopt;
  if (!cv_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return std::nullopt;
  Event out = std::move(events_.front());
  events_.pop_front();
  while (!events_.empty()) {
    out.merge(std::move(events_.front()));
    events_.pop_front();
  }
  if (out.done()) delivered_ = true;
  return out;
}

Event RequestHandle::wait_all() {
  Event all;
  while (true) {
    std::optional<Event> e = next(std::chrono::milliseconds(1000));
    if (!e) {
      std::lock_guard lock(mu_);
      if (delivered_) return all;
      continue;
    }
    all.merge(std::move(*e));
    if (all.done()) return all;
  }
}

void RequestHandle::push(Event event) {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;  // nothing follows the last event
    finished_ = event.done();
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

bool RequestHandle::finished() const {
  std::lock_guard lock(mu_);
  return finished_;
}

}  // namespace hearth::engine
