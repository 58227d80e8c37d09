// chat: statement execution, scopes, loops and macros (the expression half is template_expr.cpp).
#include "chat/template_eval.h"

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"

namespace hearth::chat {
namespace {

// jinja2's LoopContext: one per executing for statement, advanced each iteration.
class LoopObject : public Object {
 public:
  explicit LoopObject(std::shared_ptr<const ValueList> items) : items_(std::move(items)) {}
  size_t index0 = 0;

  std::string type_name() const override { return "LoopContext"; }
  std::string repr() const override { return fmt::format("<LoopContext {}/{}>", index0 + 1, items_->size()); }

  std::optional<Value> get_attr(std::string_view name) const override {
    const auto n = static_cast<int64_t>(items_->size());
    const auto i = static_cast<int64_t>(index0);
    if (name == "index0") return Value::integer(i);
    if (name == "index") return Value::integer(i + 1);
    if (name == "revindex") return Value::integer(n - i);
    if (name == "revindex0") return Value::integer(n - i - 1);
    if (name == "first") return Value::boolean(i == 0);
    if (name == "last") return Value::boolean(i + 1 == n);
    if (name == "length") return Value::integer(n);
    if (name == "depth") return Value::integer(1);
    if (name == "depth0") return Value::integer(0);
    if (name == "previtem") return i > 0 ? (*items_)[index0 - 1] : Value::undefined("there is no previous item");
    if (name == "nextitem") return i + 1 < n ? (*items_)[index0 + 1] : Value::undefined("there is no next item");
    if (name == "cycle") {
      return Value::function("cycle", [i](Interpreter&, CallArgs& args) {
        if (args.positional.empty()) throw_error(ErrorKind::kType, "no items for cycling given");
        return args.positional[static_cast<size_t>(i) % args.positional.size()];
      });
    }
    if (name == "changed") {
      auto last = last_changed_;
      return Value::function("changed", [last](Interpreter&, CallArgs& args) {
        Value now = Value::tuple(args.positional);
        if (last->has_value() && py_equal(**last, now)) return Value::boolean(false);
        *last = now;
        return Value::boolean(true);
      });
    }
    return std::nullopt;
  }

  // loop.changed(loop) would make the loop hold itself; the loop ends, so let go.
  void release() override { last_changed_->reset(); }

 private:
  std::shared_ptr<const ValueList> items_;
  std::shared_ptr<std::optional<Value>> last_changed_ = std::make_shared<std::optional<Value>>();
};

// Restores a member to its old value when leaving a scope, also when an error unwinds.
template <typename T>
class Restore {
 public:
  Restore(T& slot, T value) : slot_(slot), saved_(std::move(slot)) { slot_ = std::move(value); }
  ~Restore() { slot_ = std::move(saved_); }

 private:
  T& slot_;
  T saved_;
};

std::shared_ptr<Frame> child_of(const std::shared_ptr<Frame>& parent) {
  auto f = std::make_shared<Frame>();
  f->parent = parent;
  return f;
}

}  // namespace

Value& VarMap::operator[](std::string_view name) {
  for (auto& [k, v] : entries_) {
    if (k == name) return v;
  }
  entries_.emplace_back(std::string(name), Value());
  return entries_.back().second;
}

const Value* VarMap::find(std::string_view name) const {
  for (const auto& [k, v] : entries_) {
    if (k == name) return &v;
  }
  return nullptr;
}

const Value* Frame::find(std::string_view name) const {
  for (const Frame* f = this; f; f = f->parent.get()) {
    if (const Value* v = f->vars.find(name)) return v;
  }
  return nullptr;
}

Interpreter::Interpreter(const InterpreterOptions& options, std::shared_ptr<Frame> globals)
    : options_(options), globals_(std::move(globals)) {}

Interpreter::~Interpreter() {
  // Macros hold their defining scope, which holds the macros: break those cycles.
  for (auto& f : closure_frames_) f->vars.clear();
  for (auto& o : tracked_objects_) o->release();
}

Interpreter::DepthGuard::DepthGuard(Interpreter&, int& counter, int limit, const char* what) : counter_(counter) {
  if (++counter_ > limit) {
    --counter_;
    throw_error(ErrorKind::kLimit, fmt::format("{} nesting exceeds the limit of {} (runaway recursion?)", what, limit));
  }
}

void Interpreter::count_work(int64_t n) {
  work_ += n;
  if (work_ > options_.limits.max_iterations) {
    throw_error(ErrorKind::kLimit,
                fmt::format("template exceeded the limit of {} loop iterations and items", options_.limits.max_iterations));
  }
}

void Interpreter::check_size(size_t bytes) const {
  if (bytes > options_.limits.max_output_bytes) {
    throw_error(ErrorKind::kLimit, fmt::format("template output exceeds the limit of {} bytes", options_.limits.max_output_bytes));
  }
}

std::string Interpreter::render(const StmtList& body) {
  std::string out;
  Restore<std::string*> out_guard(out_, &out);
  Restore<std::shared_ptr<Frame>> frame_guard(frame_, child_of(globals_));
  exec_body(body);
  return out;
}

Interpreter::Flow Interpreter::exec_body(const StmtList& body) {
  for (const auto& s : body) {
    const Flow f = exec(*s);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s) {
  DepthGuard guard(*this, eval_depth_, options_.limits.max_eval_depth, "template evaluation");
  try {
    return exec_impl(s);
  } catch (TemplateException& e) {
    if (e.line == 0) e.line = s.line;
    throw;
  }
}

Interpreter::Flow Interpreter::render_body_in_scope(const StmtList& body, std::string* text) {
  Restore<std::string*> out_guard(out_, text);
  Restore<std::shared_ptr<Frame>> frame_guard(frame_, child_of(frame_));
  return exec_body(body);
}

Value Interpreter::apply_filter_chain(const Expr& filter, Value input) {
  if (filter.object) input = apply_filter_chain(*filter.object, std::move(input));
  CallArgs args = eval_args(filter.args);
  return apply_filter(filter.name, input, args);
}

Interpreter::Flow Interpreter::exec_impl(const Stmt& s) {
  switch (s.kind) {
    case Stmt::Kind::kText:
      out_->append(s.text);
      check_size(out_->size());
      return Flow::kNormal;
    case Stmt::Kind::kOutput: {
      const Value v = eval(*s.expr);
      if (v.is_string()) {
        out_->append(v.as_string());
      } else {
        out_->append(py_str(v));
      }
      check_size(out_->size());
      return Flow::kNormal;
    }
    case Stmt::Kind::kIf:
      for (size_t i = 0; i < s.conditions.size(); ++i) {
        if (truthy(eval(*s.conditions[i]))) return exec_body(s.bodies[i]);
      }
      return exec_body(s.else_body);
    case Stmt::Kind::kFor: return exec_for(s);
    case Stmt::Kind::kSet: assign(s.target, eval(*s.expr)); return Flow::kNormal;
    case Stmt::Kind::kSetBlock: {
      // A break/continue inside the block leaves the loop before anything is assigned (jinja2
      // renders the block inline in the loop body).
      std::string text;
      if (const Flow flow = render_body_in_scope(s.body, &text); flow != Flow::kNormal) return flow;
      Value v = Value::string(std::move(text));
      if (s.filter) v = apply_filter_chain(*s.filter, std::move(v));
      assign(s.target, v);
      return Flow::kNormal;
    }
    case Stmt::Kind::kMacro: frame_->vars[s.macro->name] = make_macro(s.macro); return Flow::kNormal;
    case Stmt::Kind::kCallBlock: {
      const Expr& call = *s.expr;
      Value callee = eval(*call.object);
      CallArgs args = eval_args(call.args);
      args.keyword.emplace_back("caller", make_macro(s.macro));
      const Value v = this->call(callee, args);
      out_->append(py_str(v));
      check_size(out_->size());
      return Flow::kNormal;
    }
    case Stmt::Kind::kFilterBlock: {
      std::string text;
      if (const Flow flow = render_body_in_scope(s.body, &text); flow != Flow::kNormal) return flow;
      const Value v = apply_filter_chain(*s.filter, Value::string(std::move(text)));
      out_->append(py_str(v));
      check_size(out_->size());
      return Flow::kNormal;
    }
    case Stmt::Kind::kScope: {
      std::vector<Value> values;
      for (const auto& [target, expr] : s.assignments) values.push_back(eval(*expr));
      Restore<std::shared_ptr<Frame>> frame_guard(frame_, child_of(frame_));
      for (size_t i = 0; i < values.size(); ++i) assign(s.assignments[i].first, values[i]);
      return exec_body(s.body);
    }
    case Stmt::Kind::kBreak: return Flow::kBreak;
    case Stmt::Kind::kContinue: return Flow::kContinue;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s) {
  ValueList items = iterate(eval(*s.expr));
  count_work(static_cast<int64_t>(items.size()));
  if (s.condition) {
    // `for x in xs if cond`: the condition sees the loop target but no `loop` variable.
    ValueList kept;
    for (auto& item : items) {
      Restore<std::shared_ptr<Frame>> frame_guard(frame_, child_of(frame_));
      assign(s.target, item);
      if (truthy(eval(*s.condition))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  auto shared_items = std::make_shared<const ValueList>(std::move(items));
  auto loop = std::make_shared<LoopObject>(shared_items);
  const Value loop_value = Value::object(loop);
  const std::shared_ptr<Frame> outer = frame_;
  struct ReleaseAtEnd {
    LoopObject& loop;
    ~ReleaseAtEnd() { loop.release(); }
  } release_at_end{*loop};
  // jinja2 runs the else block unless some iteration reached the end of the body: a loop
  // whose every iteration ended in break/continue runs it too.
  bool completed_an_iteration = false;
  for (size_t i = 0; i < shared_items->size(); ++i) {
    loop->index0 = i;
    Restore<std::shared_ptr<Frame>> frame_guard(frame_, child_of(outer));
    frame_->vars["loop"] = loop_value;
    assign(s.target, (*shared_items)[i]);
    const Flow flow = exec_body(s.body);
    if (flow == Flow::kNormal) completed_an_iteration = true;
    if (flow == Flow::kBreak) break;
  }
  if (!completed_an_iteration && !s.else_body.empty()) {
    Restore<std::shared_ptr<Frame>> frame_guard(frame_, child_of(outer));
    exec_body(s.else_body);
  }
  return Flow::kNormal;
}

void Interpreter::assign(const Target& target, const Value& value) {
  switch (target.kind) {
    case Target::Kind::kName: frame_->vars[target.name] = value; return;
    case Target::Kind::kNamespaceAttr: {
      const Value ns = lookup(target.name);
      if (!ns.is_object() || !ns.object_ref().set_attr(target.attr, value)) {
        throw_error(ErrorKind::kRuntime, "cannot assign attribute on non-namespace object");
      }
      return;
    }
    case Target::Kind::kTuple: {
      const ValueList values = iterate(value);
      const size_t n = target.items.size();
      if (values.size() < n) {
        throw_error(ErrorKind::kType, fmt::format("not enough values to unpack (expected {}, got {})", n, values.size()));
      }
      if (values.size() > n) throw_error(ErrorKind::kType, fmt::format("too many values to unpack (expected {})", n));
      for (size_t i = 0; i < n; ++i) assign(target.items[i], values[i]);
      return;
    }
  }
}

Value Interpreter::lookup(const std::string& name) const {
  if (const Value* v = frame_->find(name)) return *v;
  return Value::undefined(fmt::format("{} is undefined", py_str_repr(name)));
}

Value Interpreter::make_macro(const std::shared_ptr<MacroDef>& def) {
  std::shared_ptr<Frame> closure = frame_;
  closure_frames_.push_back(closure);
  return Value::function(def->name, [def, closure](Interpreter& in, CallArgs& args) {
    return in.call_macro(*def, closure, args);
  });
}

Value Interpreter::call_macro(const MacroDef& def, const std::shared_ptr<Frame>& closure, CallArgs& args) {
  DepthGuard guard(*this, call_depth_, options_.limits.max_call_depth, "macro call");
  count_work(1);
  auto frame = child_of(closure);
  const size_t n_params = def.params.size();
  std::vector<bool> given(n_params, false);
  const size_t n_pos = args.positional.size();
  for (size_t i = 0; i < n_pos && i < n_params; ++i) {
    frame->vars[def.params[i]] = args.positional[i];
    given[i] = true;
  }
  if (n_pos > n_params && !def.uses_varargs) {
    throw_error(ErrorKind::kType, fmt::format("macro '{}' takes not more than {} argument(s)", def.name, n_params));
  }
  Value caller = Value::undefined("No caller defined");
  auto extra_kwargs = std::make_shared<DictData>();
  for (auto& [key, value] : args.keyword) {
    size_t idx = n_params;
    for (size_t i = n_pos; i < n_params; ++i) {
      if (def.params[i] == key && !given[i]) idx = i;
    }
    if (idx < n_params) {
      frame->vars[key] = value;
      given[idx] = true;
    } else if (key == "caller" && def.uses_caller) {
      caller = value;
    } else if (def.uses_kwargs) {
      extra_kwargs->set(Value::string(key), value);
    } else {
      throw_error(ErrorKind::kType, fmt::format("macro '{}' takes no keyword argument '{}'", def.name, key));
    }
  }
  if (def.uses_varargs) {
    frame->vars["varargs"] = Value::tuple(n_pos > n_params ? ValueList(args.positional.begin() + static_cast<std::ptrdiff_t>(n_params), args.positional.end())
                                                         : ValueList{});
  }
  if (def.uses_kwargs) frame->vars["kwargs"] = Value::dict(extra_kwargs);
  if (def.uses_caller) frame->vars["caller"] = caller;

  std::string text;
  Restore<std::string*> out_guard(out_, &text);
  Restore<std::shared_ptr<Frame>> frame_guard(frame_, frame);
  // Defaults are evaluated at call time inside the macro, so they can use earlier parameters.
  const size_t first_default = n_params - def.defaults.size();
  for (size_t i = 0; i < n_params; ++i) {
    if (given[i]) continue;
    frame->vars[def.params[i]] = i >= first_default ? eval(*def.defaults[i - first_default])
                                                    : Value::undefined(fmt::format("parameter '{}' was not provided", def.params[i]));
  }
  exec_body(def.body);
  return Value::string(std::move(text));
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_function()) return callee.function_ref().call(*this, args);
  if (callee.is_undefined()) fail_undefined(callee);
  throw_error(ErrorKind::kType, fmt::format("'{}' object is not callable", type_name(callee)));
}

Value Interpreter::apply_filter(std::string_view name, const Value& input, CallArgs& args) {
  FilterFn f = find_filter(name);
  if (!f) throw_error(ErrorKind::kRuntime, fmt::format("No filter named '{}'.", name));
  return f(*this, input, args);
}

bool Interpreter::apply_test(std::string_view name, const Value& input, CallArgs& args) {
  TestFn t = find_test(name);
  if (!t) throw_error(ErrorKind::kRuntime, fmt::format("No test named '{}'.", name));
  return t(*this, input, args);
}

}  // namespace hearth::chat
