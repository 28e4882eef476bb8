#include "tools/check/compare.h"

#include "support/json.h"
#include "tools/check/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <vector>

namespace vknorm_check {

using vknorm_support::Json;

namespace {

struct Loaded {
  Json root;
  std::map<std::string, const Json*> by_label;
  std::vector<std::string> order;  // labels in report order
};

bool load(const std::string& path, Loaded* out, std::string* error) {
  std::string text;
  if (!vknorm_support::read_text_file(path, &text)) {
    *error = "cannot read " + path;
    return false;
  }
  std::string perr;
  if (!Json::parse(text, &out->root, &perr)) {
    *error = path + ": " + perr;
    return false;
  }
  const Json* schema = out->root.find("schema");
  if (!schema || schema->as_string().rfind("vknorm-check/", 0) != 0) {
    *error = path + ": not a vknorm-check JSON report (schema \"" + std::string(kJsonSchema) +
             "\" expected)";
    return false;
  }
  const Json* cases = out->root.find("cases");
  if (!cases || !cases->is_array()) {
    *error = path + ": no \"cases\" array";
    return false;
  }
  for (size_t i = 0; i < cases->size(); ++i) {
    const Json& c = cases->at(i);
    const Json* label = c.find("label");
    if (!label || !label->is_string()) {
      *error = path + ": case " + std::to_string(i) + " has no label";
      return false;
    }
    const std::string l = label->as_string();
    if (out->by_label.count(l)) continue;  // first occurrence wins
    out->by_label[l] = &c;
    out->order.push_back(l);
  }
  return true;
}

double metric(const Json* c, const char* key) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!c) return nan;
  const Json* v = c->find(key);
  if (!v) return nan;
  if (v->is_number()) return v->as_number();
  const std::string s = v->as_string();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  return nan;
}

std::string status_of(const Json* c) {
  if (!c) return "-";
  const Json* s = c->find("status");
  return s ? s->as_string("?") : "?";
}

bool differs(double a, double b, double ratio, double floor) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) != std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a != b;
  if (ratio <= 1.0) return a != b;
  const double hi = std::max(std::fabs(a), std::fabs(b));
  const double lo = std::max(std::min(std::fabs(a), std::fabs(b)), floor);
  return hi > floor && hi > ratio * lo;
}

std::string device_line(const Json& root) {
  const Json* d = root.find("device");
  if (!d) return "?";
  std::string s = d->find("name") ? d->find("name")->as_string() : "?";
  if (const Json* v = d->find("driver_id_name")) s += " | " + v->as_string();
  if (const Json* v = d->find("driver_info")) {
    if (!v->as_string().empty()) s += " (" + v->as_string() + ")";
  }
  if (const Json* v = d->find("driver_version_string")) s += " | driver " + v->as_string();
  if (const Json* v = d->find("subgroup_size")) s += " | subgroup " + fmt_metric(v->as_number());
  if (const Json* v = d->find("lp_native_vector_width")) {
    if (v->is_string()) s += " | LP_NATIVE_VECTOR_WIDTH=" + v->as_string();
  }
  if (const Json* r = root.find("run")) {
    if (r->find("force_shared_reduction") && r->find("force_shared_reduction")->as_bool()) {
      s += " | forced shared-memory reduction";
    }
  }
  return s;
}

double summary_number(const Json& root, const char* key) {
  const Json* s = root.find("summary");
  const Json* v = s ? s->find(key) : nullptr;
  return v ? v->as_number() : 0;
}

struct Row {
  int rank;  // sort key: new failures first
  std::string note, label;
  const Json *a, *b;
};

}  // namespace

int compare_reports(const std::string& path_a, const std::string& path_b,
                    const CompareOptions& options) {
  Loaded A, B;
  std::string error;
  if (!load(path_a, &A, &error) || !load(path_b, &B, &error)) {
    std::fprintf(stderr, "vknorm-check --compare: %s\n", error.c_str());
    return 2;
  }
  std::printf("A: %s  (%zu cases)\n   %s\n", path_a.c_str(), A.order.size(), device_line(A.root).c_str());
  std::printf("B: %s  (%zu cases)\n   %s\n\n", path_b.c_str(), B.order.size(), device_line(B.root).c_str());

  std::vector<Row> rows;
  int new_failures = 0, missing = 0, fixed = 0, status_changes = 0, metric_changes = 0;
  int only_a = 0, only_b = 0, same = 0;
  for (const auto& label : A.order) {
    const Json* a = A.by_label[label];
    auto it = B.by_label.find(label);
    const Json* b = it == B.by_label.end() ? nullptr : it->second;
    const std::string sa = status_of(a), sb = status_of(b);
    if (!b) {
      if (sa == "pass" && !options.allow_missing) {
        rows.push_back({1, "MISSING in B", label, a, b});
        ++missing;
      } else {
        rows.push_back({6, "only in A", label, a, b});
        ++only_a;
      }
      continue;
    }
    if (sb == "fail" && sa != "fail") {
      rows.push_back({0, "NEW FAIL", label, a, b});
      ++new_failures;
    } else if (sa == "fail" && sb != "fail") {
      rows.push_back({2, "fixed", label, a, b});
      ++fixed;
    } else if (sa != sb) {
      rows.push_back({3, "status", label, a, b});
      ++status_changes;
    } else {
      const double r = options.metric_ratio;
      const bool d = differs(metric(a, "nmse"), metric(b, "nmse"), r, 1e-16) ||
                     differs(metric(a, "max_abs"), metric(b, "max_abs"), r, 1e-9) ||
                     differs(metric(a, "max_rel"), metric(b, "max_rel"), r, 1e-9) ||
                     metric(a, "nan_mismatches") != metric(b, "nan_mismatches") ||
                     metric(a, "inf_mismatches") != metric(b, "inf_mismatches");
      if (d) {
        rows.push_back({4, sa == "fail" ? "still fails" : "metrics", label, a, b});
        ++metric_changes;
      } else {
        ++same;
      }
    }
  }
  for (const auto& label : B.order) {
    if (A.by_label.count(label)) continue;
    const Json* b = B.by_label[label];
    if (status_of(b) == "fail") {
      rows.push_back({0, "NEW FAIL (only in B)", label, nullptr, b});
      ++new_failures;
    } else {
      rows.push_back({7, "only in B", label, nullptr, b});
      ++only_b;
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.rank < y.rank; });

  if (!rows.empty()) {
    std::printf("%-20s %-4s %-4s %-9s %-9s %-9s %-9s %-9s %-9s  %s\n", "note", "A", "B",
                "nmse A", "nmse B", "maxabs A", "maxabs B", "maxrel A", "maxrel B", "case");
    for (const auto& r : rows) {
      auto m = [&](const Json* c, const char* k) { return c ? fmt_metric(metric(c, k)) : "-"; };
      std::printf("%-20s %-4s %-4s %-9s %-9s %-9s %-9s %-9s %-9s  %s\n", r.note.c_str(),
                  status_of(r.a).c_str(), status_of(r.b).c_str(), m(r.a, "nmse").c_str(),
                  m(r.b, "nmse").c_str(), m(r.a, "max_abs").c_str(), m(r.b, "max_abs").c_str(),
                  m(r.a, "max_rel").c_str(), m(r.b, "max_rel").c_str(), r.label.c_str());
      if (r.rank == 0 && r.b) {
        const Json* reason = r.b->find("reason");
        if (reason && !reason->as_string().empty()) {
          std::printf("%-20s B: %s\n", "", reason->as_string().c_str());
        }
        const Json* repro = r.b->find("repro");
        if (repro) std::printf("%-20s    %s\n", "", repro->as_string().c_str());
      }
    }
    std::printf("\n");
  }

  // Problems outside the cases.
  bool run_regression = false;
  const double va = summary_number(A.root, "run_validation_messages");
  const double vb = summary_number(B.root, "run_validation_messages");
  if (vb > 0 && va == 0) {
    std::printf("NEW: B has %g validation message(s) outside the cases\n", vb);
    run_regression = true;
  }
  const Json* rb = B.root.find("run");
  const Json* ra = A.root.find("run");
  const bool ab_a = ra && ra->find("aborted") && ra->find("aborted")->as_bool();
  const bool ab_b = rb && rb->find("aborted") && rb->find("aborted")->as_bool();
  if (ab_b && !ab_a) {
    std::printf("NEW: run B was aborted: %s\n",
                rb->find("abort_reason") ? rb->find("abort_reason")->as_string().c_str() : "");
    run_regression = true;
  }

  std::printf("%d new failure(s), %d missing in B, %d fixed, %d other status change(s), "
              "%d metric change(s) (ratio %g), %d only in A, %d only in B, %d unchanged\n",
              new_failures, missing, fixed, status_changes, metric_changes, options.metric_ratio,
              only_a, only_b, same);
  const bool regression = new_failures > 0 || missing > 0 || run_regression;
  std::printf("result: %s\n", regression ? "NEW FAILURES in B" : "no new failure in B");
  return regression ? 1 : 0;
}

}  // namespace vknorm_check
