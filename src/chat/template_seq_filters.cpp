// chat: jinja2's filters over sequences and mappings (map, select, sort, join, dictsort ...).
// Like jinja2, map/select/reject/items/unique return one-shot generators, not lists.
#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"

namespace hearth::chat {
namespace {

// jinja2's make_attrgetter: "a.b.0" walks getitem per dotted part (digit parts are indexes).
std::vector<Value> attribute_parts(const Value& attribute) {
  std::vector<Value> parts;
  if (attribute.is_none() || attribute.is_undefined()) return parts;
  if (!attribute.is_string()) return {attribute};
  const std::string& s = attribute.as_string();
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    parts.push_back(digits && part.size() < 18 ? Value::integer(std::stoll(part)) : Value::string(std::move(part)));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

Value lookup_parts(Interpreter& in, Value item, const std::vector<Value>& parts, const Value* fallback = nullptr) {
  for (const auto& part : parts) {
    item = in.getitem(item, part);
    if (fallback && item.is_undefined()) item = *fallback;
  }
  return item;
}

Value ignore_case(const Value& v) { return v.is_string() ? Value::string(py_lower(v.as_string())) : v; }

Value generator(Interpreter& in, ValueList items) {
  in.count_work(static_cast<int64_t>(items.size()));
  return Value::iterator(std::move(items));
}

Value f_list(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("list", args, {});
  ValueList items = iterate(v);
  in.count_work(static_cast<int64_t>(items.size()));
  return Value::list(std::move(items));
}

Value f_items(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("items", args, {});
  if (v.is_undefined()) return generator(in, {});
  if (!v.is_dict()) throw_error(ErrorKind::kType, "Can only get item pairs from a mapping.");
  ValueList pairs;
  for (const auto& [k, val] : v.dict_data().entries()) pairs.push_back(Value::tuple({k, val}));
  return generator(in, std::move(pairs));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("join", args, {"d", "attribute"});
  const std::string sep = py_str(r.get_or(0, Value::string("")));
  const std::vector<Value> parts = attribute_parts(r.get_or(1, Value::none()));
  std::string out;
  bool first = true;
  for (const auto& item : iterate(v)) {
    if (!first) out += sep;
    first = false;
    out += py_str(parts.empty() ? item : lookup_parts(in, item, parts));
    in.check_size(out.size());
  }
  return Value::string(std::move(out));
}

Value f_first(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("first", args, {});
  if (v.is_iterator()) {
    auto& it = v.iterator_data();
    if (it.pos < it.items.size()) return it.items[it.pos++];
  } else {
    ValueList items = iterate(v);
    if (!items.empty()) return items.front();
  }
  return Value::undefined("No first item, sequence was empty.");
}

Value f_last(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("last", args, {});
  if (v.is_iterator()) throw_error(ErrorKind::kType, fmt::format("'{}' object is not reversible", type_name(v)));
  ValueList items = iterate(v);
  if (!items.empty()) return items.back();
  return Value::undefined("No last item, sequence was empty.");
}

Value f_reverse(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("reverse", args, {});
  if (v.is_string()) {
    auto cps = utf8_decode(v.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value::string(utf8_encode(cps, 0, cps.size()));
  }
  ValueList items = iterate(v);
  std::reverse(items.begin(), items.end());
  in.count_work(static_cast<int64_t>(items.size()));
  if (v.is_iterator()) return Value::list(std::move(items));  // list(value).reverse()
  return Value::iterator(std::move(items), v.is_dict() ? "dict_reversekeyiterator" : "list_reverseiterator");
}

Value f_map(Interpreter& in, const Value& v, CallArgs& args) {
  if (!truthy(v)) return generator(in, {});
  ValueList out;
  if (args.positional.empty()) {
    Value attribute, fallback;
    bool has_default = false;
    for (auto& [k, val] : args.keyword) {
      if (k == "attribute") {
        attribute = val;
      } else if (k == "default") {
        fallback = val;
        has_default = true;
      } else {
        throw_error(ErrorKind::kType, fmt::format("Unexpected keyword argument '{}'", k));
      }
    }
    if (attribute.is_undefined()) throw_error(ErrorKind::kType, "map requires a filter argument");
    const auto parts = attribute_parts(attribute);
    const bool use_default = has_default && !fallback.is_none();
    for (const auto& item : iterate(v)) out.push_back(lookup_parts(in, item, parts, use_default ? &fallback : nullptr));
    return generator(in, std::move(out));
  }
  const std::string name = expect_string(args.positional[0], "filter name");
  for (const auto& item : iterate(v)) {
    CallArgs rest;
    rest.positional.assign(args.positional.begin() + 1, args.positional.end());
    rest.keyword = args.keyword;
    out.push_back(in.apply_filter(name, item, rest));
  }
  return generator(in, std::move(out));
}

// select / reject / selectattr / rejectattr.
Value select_or_reject(Interpreter& in, const Value& v, CallArgs& args, bool keep_if, bool lookup_attr) {
  if (!truthy(v)) return generator(in, {});
  std::vector<Value> parts;
  size_t off = 0;
  if (lookup_attr) {
    if (args.positional.empty()) throw_error(ErrorKind::kType, "Missing parameter for attribute name");
    parts = attribute_parts(args.positional[0]);
    off = 1;
  }
  std::string test;
  if (args.positional.size() > off) test = expect_string(args.positional[off], "test name");
  ValueList out;
  for (const auto& item : iterate(v)) {
    const Value subject = lookup_attr ? lookup_parts(in, item, parts) : item;
    bool result;
    if (test.empty()) {
      result = truthy(subject);
    } else {
      CallArgs rest;
      rest.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(off + 1), args.positional.end());
      rest.keyword = args.keyword;
      result = in.apply_test(test, subject, rest);
    }
    if (result == keep_if) out.push_back(item);
  }
  return generator(in, std::move(out));
}

Value f_select(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, true, false); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, false, true); }

// Stable sort of `items` by `keys` (Python sorted(): stable, reverse keeps equal items' order).
ValueList sorted_by(ValueList items, const ValueList& keys, bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return reverse ? py_less(keys[b], keys[a]) : py_less(keys[a], keys[b]);
  });
  ValueList out;
  out.reserve(items.size());
  for (size_t i : order) out.push_back(std::move(items[i]));
  return out;
}

Value f_dictsort(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("dictsort", args, {"case_sensitive", "by", "reverse"});
  const bool case_sensitive = truthy(r.get_or(0, Value::boolean(false)));
  const std::string by = r.get(1) ? expect_string(*r.get(1), "by") : "key";
  if (by != "key" && by != "value") throw_error(ErrorKind::kType, "You can only sort by either \"key\" or \"value\"");
  const bool reverse = truthy(r.get_or(2, Value::boolean(false)));
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_dict()) throw_error(ErrorKind::kType, fmt::format("'{}' object has no attribute 'items'", type_name(v)));
  ValueList pairs, keys;
  for (const auto& [k, val] : v.dict_data().entries()) {
    pairs.push_back(Value::tuple({k, val}));
    const Value& key = by == "key" ? k : val;
    keys.push_back(case_sensitive ? key : ignore_case(key));
  }
  in.count_work(static_cast<int64_t>(pairs.size()));
  return Value::list(sorted_by(std::move(pairs), keys, reverse));
}

// make_multi_attrgetter: "a,b" sorts by several attributes; the key is a list of them.
ValueList multi_keys(Interpreter& in, const ValueList& items, const Value& attribute, bool case_sensitive) {
  std::vector<std::vector<Value>> specs;
  if (attribute.is_string()) {
    const std::string& s = attribute.as_string();
    size_t start = 0;
    while (true) {
      const size_t comma = s.find(',', start);
      specs.push_back(attribute_parts(Value::string(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start))));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    specs.push_back(attribute_parts(attribute));
  }
  ValueList keys;
  for (const auto& item : items) {
    ValueList key;
    for (const auto& parts : specs) {
      Value k = lookup_parts(in, item, parts);
      key.push_back(case_sensitive ? k : ignore_case(k));
    }
    keys.push_back(Value::list(std::move(key)));
  }
  return keys;
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("sort", args, {"reverse", "case_sensitive", "attribute"});
  const bool reverse = truthy(r.get_or(0, Value::boolean(false)));
  const bool case_sensitive = truthy(r.get_or(1, Value::boolean(false)));
  ValueList items = iterate(v);
  in.count_work(static_cast<int64_t>(items.size()));
  const ValueList keys = multi_keys(in, items, r.get_or(2, Value::none()), case_sensitive);
  return Value::list(sorted_by(std::move(items), keys, reverse));
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("unique", args, {"case_sensitive", "attribute"});
  const bool case_sensitive = truthy(r.get_or(0, Value::boolean(false)));
  const auto parts = attribute_parts(r.get_or(1, Value::none()));
  ValueList out, seen;
  for (const auto& item : iterate(v)) {
    Value key = lookup_parts(in, item, parts);
    if (!case_sensitive) key = ignore_case(key);
    if ((key.is_list() && !key.is_tuple()) || key.is_dict()) {
      throw_error(ErrorKind::kType, fmt::format("unhashable type: '{}'", type_name(key)));
    }
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return py_equal(s, key); })) {
      seen.push_back(key);
      out.push_back(item);
    }
    in.count_work(static_cast<int64_t>(seen.size()));
  }
  return generator(in, std::move(out));
}

Value min_or_max(Interpreter& in, const Value& v, CallArgs& args, bool want_max) {
  ArgReader r(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
  const bool case_sensitive = truthy(r.get_or(0, Value::boolean(false)));
  const auto parts = attribute_parts(r.get_or(1, Value::none()));
  ValueList items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  auto key_of = [&](const Value& item) {
    Value k = lookup_parts(in, item, parts);
    return case_sensitive ? k : ignore_case(k);
  };
  size_t best = 0;
  Value best_key = key_of(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = key_of(items[i]);
    if (want_max ? py_less(best_key, k) : py_less(k, best_key)) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

Value f_min(Interpreter& in, const Value& v, CallArgs& a) { return min_or_max(in, v, a, false); }
Value f_max(Interpreter& in, const Value& v, CallArgs& a) { return min_or_max(in, v, a, true); }

Value f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("sum", args, {"attribute", "start"});
  const auto parts = attribute_parts(r.get_or(0, Value::none()));
  Value total = r.get_or(1, Value::integer(0));
  for (const auto& item : iterate(v)) {
    const Value x = lookup_parts(in, item, parts);
    if (x.is_undefined()) fail_undefined(x);
    if (!x.is_number() || !total.is_number()) {
      throw_error(ErrorKind::kType, fmt::format("unsupported operand type(s) for +: '{}' and '{}'", type_name(total), type_name(x)));
    }
    if (total.is_float() || x.is_float()) {
      total = Value::floating(total.as_double() + x.as_double());
    } else {
      int64_t s;
      if (__builtin_add_overflow(total.as_integer(), x.as_integer(), &s)) throw_error(ErrorKind::kLimit, "integer result out of range");
      total = Value::integer(s);
    }
  }
  return total;
}

Value f_batch(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("batch", args, {"linecount", "fill_with"});
  if (!r.get(0)) throw_error(ErrorKind::kType, "batch() missing required argument 'linecount'");
  const int64_t n = expect_int(*r.get(0), "linecount");
  if (n <= 0) throw_error(ErrorKind::kType, "batch() linecount must be positive");
  const Value fill = r.get_or(1, Value::none());
  ValueList out, cur;
  for (auto& item : iterate(v)) {
    if (static_cast<int64_t>(cur.size()) == n) out.push_back(Value::list(std::exchange(cur, {})));
    cur.push_back(std::move(item));
  }
  if (!cur.empty()) {
    if (!fill.is_none()) {
      in.count_work(n);
      while (static_cast<int64_t>(cur.size()) < n) cur.push_back(fill);
    }
    out.push_back(Value::list(std::move(cur)));
  }
  return generator(in, std::move(out));
}

Value f_slice(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("slice", args, {"slices", "fill_with"});
  if (!r.get(0)) throw_error(ErrorKind::kType, "slice() missing required argument 'slices'");
  const int64_t slices = expect_int(*r.get(0), "slices");
  if (slices <= 0) throw_error(ErrorKind::kType, "slice() slices must be positive");
  in.count_work(slices);
  const Value fill = r.get_or(1, Value::none());
  const ValueList seq = iterate(v);
  const auto length = static_cast<int64_t>(seq.size());
  const int64_t per = length / slices, extra = length % slices;
  int64_t offset = 0;
  ValueList out;
  for (int64_t i = 0; i < slices; ++i) {
    const int64_t start = offset + i * per;
    if (i < extra) ++offset;
    const int64_t end = offset + (i + 1) * per;
    ValueList part(seq.begin() + start, seq.begin() + end);
    if (!fill.is_none() && i >= extra) part.push_back(fill);
    out.push_back(Value::list(std::move(part)));
  }
  return generator(in, std::move(out));
}

Value f_groupby(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("groupby", args, {"attribute", "default", "case_sensitive"});
  if (!r.get(0)) throw_error(ErrorKind::kType, "groupby() missing required argument 'attribute'");
  const auto parts = attribute_parts(*r.get(0));
  const Value fallback = r.get_or(1, Value::none());
  const bool case_sensitive = truthy(r.get_or(2, Value::boolean(false)));
  ValueList items = iterate(v);
  ValueList keys;
  for (const auto& item : items) {
    Value k = lookup_parts(in, item, parts, fallback.is_none() ? nullptr : &fallback);
    keys.push_back(case_sensitive ? k : ignore_case(k));
  }
  // Sort by key, then group runs of equal keys; the group shows the first item's own key.
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return py_less(keys[a], keys[b]); });
  ValueList out;
  for (size_t i = 0; i < order.size();) {
    ValueList group;
    size_t j = i;
    while (j < order.size() && py_equal(keys[order[j]], keys[order[i]])) group.push_back(items[order[j++]]);
    Value grouper = case_sensitive ? keys[order[i]] : lookup_parts(in, group[0], parts, fallback.is_none() ? nullptr : &fallback);
    out.push_back(Value::tuple({grouper, Value::list(std::move(group))}));
    i = j;
  }
  return Value::list(std::move(out));
}

}  // namespace

FilterFn find_sequence_filter(std::string_view name) {
  static const std::unordered_map<std::string_view, FilterFn> k = {
      {"list", f_list},       {"items", f_items},         {"join", f_join},           {"first", f_first},
      {"last", f_last},       {"reverse", f_reverse},     {"map", f_map},             {"select", f_select},
      {"reject", f_reject},   {"selectattr", f_selectattr}, {"rejectattr", f_rejectattr}, {"dictsort", f_dictsort},
      {"sort", f_sort},       {"unique", f_unique},       {"min", f_min},             {"max", f_max},
      {"sum", f_sum},         {"batch", f_batch},         {"slice", f_slice},         {"groupby", f_groupby},
  };
  auto it = k.find(name);
  return it != k.end() ? it->second : nullptr;
}

}  // namespace hearth::chat
