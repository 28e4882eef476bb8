#include "tools/check/compare.h"

#include "tools/check/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace vknorm_check {

using vknorm_support::Json;

bool index_report(Json root, const std::string& name, LoadedReport* out, std::string* error) {
  out->path = name;
  out->root = std::move(root);
  const Json* schema = out->root.find("schema");
  if (!schema || schema->as_string().rfind("vknorm-check/", 0) != 0) {
    *error = name + ": not a vknorm-check JSON report (schema \"" + std::string(kJsonSchema) +
             "\" expected)";
    return false;
  }
  const Json* cases = out->root.find("cases");
  if (!cases || !cases->is_array()) {
    *error = name + ": no \"cases\" array";
    return false;
  }
  for (size_t i = 0; i < cases->size(); ++i) {
    const Json& c = cases->at(i);
    const Json* label = c.find("label");
    if (!label || !label->is_string()) {
      *error = name + ": case " + std::to_string(i) + " has no label";
      return false;
    }
    const std::string l = label->as_string();
    if (out->by_label.count(l)) continue;  // first occurrence wins
    out->by_label[l] = &c;
    out->order.push_back(l);
  }
  return true;
}

bool load_report(const std::string& path, LoadedReport* out, std::string* error) {
  std::string text;
  if (!vknorm_support::read_text_file(path, &text)) {
    *error = "cannot read " + path;
    return false;
  }
  Json root;
  std::string perr;
  if (!Json::parse(text, &root, &perr)) {
    *error = path + ": " + perr;
    return false;
  }
  return index_report(std::move(root), path, out, error);
}

double case_metric(const Json* c, const char* key) {
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

std::string case_status(const Json* c) {
  if (!c) return "-";
  const Json* s = c->find("status");
  return s ? s->as_string("?") : "?";
}

std::string report_device_line(const Json& root) {
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

namespace {

bool differs(double a, double b, double ratio, double floor) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) != std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a != b;
  if (ratio <= 1.0) return a != b;
  const double hi = std::max(std::fabs(a), std::fabs(b));
  const double lo = std::max(std::min(std::fabs(a), std::fabs(b)), floor);
  return hi > floor && hi > ratio * lo;
}

double summary_number(const Json& root, const char* key) {
  const Json* s = root.find("summary");
  const Json* v = s ? s->find(key) : nullptr;
  return v ? v->as_number() : 0;
}

bool run_aborted(const Json& root) {
  const Json* r = root.find("run");
  return r && r->find("aborted") && r->find("aborted")->as_bool();
}

}  // namespace

Comparison compare_loaded(const LoadedReport& A, const LoadedReport& B,
                          const CompareOptions& options) {
  Comparison out;
  auto& rows = out.changes;
  for (const auto& label : A.order) {
    const Json* a = A.by_label.at(label);
    auto it = B.by_label.find(label);
    const Json* b = it == B.by_label.end() ? nullptr : it->second;
    const std::string sa = case_status(a), sb = case_status(b);
    if (!b) {
      if (sa == "pass" && !options.allow_missing) {
        rows.push_back({1, "MISSING in B", label, a, b});
        ++out.missing;
      } else {
        rows.push_back({6, "only in A", label, a, b});
        ++out.only_a;
      }
      continue;
    }
    if (sb == "fail" && sa != "fail") {
      rows.push_back({0, "NEW FAIL", label, a, b});
      ++out.new_failures;
    } else if (sa == "fail" && sb != "fail") {
      rows.push_back({2, "fixed", label, a, b});
      ++out.fixed;
    } else if (sa != sb) {
      rows.push_back({3, "status", label, a, b});
      ++out.status_changes;
    } else {
      const double r = options.metric_ratio;
      const bool d = differs(case_metric(a, "nmse"), case_metric(b, "nmse"), r, 1e-16) ||
                     differs(case_metric(a, "max_abs"), case_metric(b, "max_abs"), r, 1e-9) ||
                     differs(case_metric(a, "max_rel"), case_metric(b, "max_rel"), r, 1e-9) ||
                     case_metric(a, "nan_mismatches") != case_metric(b, "nan_mismatches") ||
                     case_metric(a, "inf_mismatches") != case_metric(b, "inf_mismatches");
      if (d) {
        rows.push_back({4, sa == "fail" ? "still fails" : "metrics", label, a, b});
        ++out.metric_changes;
      } else {
        ++out.same;
      }
    }
  }
  for (const auto& label : B.order) {
    if (A.by_label.count(label)) continue;
    const Json* b = B.by_label.at(label);
    if (case_status(b) == "fail") {
      rows.push_back({0, "NEW FAIL (only in B)", label, nullptr, b});
      ++out.new_failures;
    } else {
      rows.push_back({7, "only in B", label, nullptr, b});
      ++out.only_b;
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const CaseChange& x, const CaseChange& y) { return x.rank < y.rank; });

  // Problems outside the cases.
  const double va = summary_number(A.root, "run_validation_messages");
  const double vb = summary_number(B.root, "run_validation_messages");
  if (vb > 0 && va == 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "B has %g validation message(s) outside the cases", vb);
    out.run_problems.push_back(buf);
  }
  if (run_aborted(B.root) && !run_aborted(A.root)) {
    const Json* reason = B.root.find("run")->find("abort_reason");
    out.run_problems.push_back("run B was aborted: " + (reason ? reason->as_string() : ""));
  }
  return out;
}

int compare_reports(const std::string& path_a, const std::string& path_b,
                    const CompareOptions& options) {
  LoadedReport A, B;
  std::string error;
  if (!load_report(path_a, &A, &error) || !load_report(path_b, &B, &error)) {
    std::fprintf(stderr, "vknorm-check --compare: %s\n", error.c_str());
    return 2;
  }
  std::printf("A: %s  (%zu cases)\n   %s\n", path_a.c_str(), A.order.size(), report_device_line(A.root).c_str());
  std::printf("B: %s  (%zu cases)\n   %s\n\n", path_b.c_str(), B.order.size(), report_device_line(B.root).c_str());

  const Comparison cmp = compare_loaded(A, B, options);
  if (!cmp.changes.empty()) {
    std::printf("%-20s %-4s %-4s %-9s %-9s %-9s %-9s %-9s %-9s  %s\n", "note", "A", "B",
                "nmse A", "nmse B", "maxabs A", "maxabs B", "maxrel A", "maxrel B", "case");
    for (const auto& r : cmp.changes) {
      auto m = [&](const Json* c, const char* k) { return c ? fmt_metric(case_metric(c, k)) : "-"; };
      std::printf("%-20s %-4s %-4s %-9s %-9s %-9s %-9s %-9s %-9s  %s\n", r.note.c_str(),
                  case_status(r.a).c_str(), case_status(r.b).c_str(), m(r.a, "nmse").c_str(),
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
  for (const auto& p : cmp.run_problems) std::printf("NEW: %s\n", p.c_str());

  std::printf("%d new failure(s), %d missing in B, %d fixed, %d other status change(s), "
              "%d metric change(s) (ratio %g), %d only in A, %d only in B, %d unchanged\n",
              cmp.new_failures, cmp.missing, cmp.fixed, cmp.status_changes, cmp.metric_changes,
              options.metric_ratio, cmp.only_a, cmp.only_b, cmp.same);
  std::printf("result: %s\n", cmp.regression() ? "NEW FAILURES in B" : "no new failure in B");
  return cmp.regression() ? 1 : 0;
}

}  // namespace vknorm_check
