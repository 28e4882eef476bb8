#include "tools/check/report.h"

#include "support/op_case.h"
#include "tools/check/device_report.h"
#include "tools/check/matrix.h"

#include <unistd.h>

#include <cmath>
#include <ctime>
#include <map>

namespace vknorm_check {

using vknorm_support::Json;

std::string fmt_metric(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string iso8601_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// JSON cannot hold NaN / Inf: write them as strings so that a NaN error is not mistaken for
// "no value" (null). --compare reads both forms.
Json metric_json(double v) {
  if (std::isfinite(v)) return Json(v);
  return Json(fmt_metric(v));
}

Json shape_json(const std::vector<int64_t>& shape) {
  Json a = Json::array();
  for (int64_t d : shape) a.push_back(Json(d));
  return a;
}

Json case_json(const CaseRecord& r) {
  const auto& s = r.c.spec;
  Json j = Json::object();
  j["label"] = r.label;
  j["op"] = s.op->name();
  j["dtype"] = vknorm::dtype_name(s.dtype);
  j["shape"] = shape_json(s.shape);
  j["normalized_rank"] = s.normalized_rank;
  j["eps"] = s.eps;
  j["seed"] = s.seed;
  j["data"] = vknorm_support::data_kind_name(s.data);
  j["layout"] = layout_name(r.c.layout);
  j["affine"] = s.affine;
  j["optional_outputs"] = s.optional_outputs;
  if (r.c.has_config) j["config_override"] = vknorm::to_string(r.c.config);
  j["status"] = status_name(r.status);
  j["reason"] = r.reason;
  j["seconds"] = r.seconds;
  j["config"] = r.config;
  j["nmse"] = metric_json(r.nmse());
  j["max_abs"] = metric_json(r.max_abs());
  j["max_rel"] = metric_json(r.max_rel());
  j["nan_mismatches"] = r.nan_mismatches();
  j["inf_mismatches"] = r.inf_mismatches();
  Json& outs = j["outputs"];
  outs = Json::array();
  for (const auto& o : r.outputs) {
    Json oj = Json::object();
    oj["name"] = o.name;
    oj["count"] = o.count;
    oj["nmse"] = metric_json(o.nmse);
    oj["max_abs"] = metric_json(o.max_abs);
    oj["max_rel"] = metric_json(o.max_rel);
    oj["nan_mismatches"] = o.nan_mismatches;
    oj["inf_mismatches"] = o.inf_mismatches;
    oj["out_of_tolerance"] = o.out_of_tolerance;
    oj["worst_index"] = o.worst_index;
    oj["pass"] = o.pass;
    outs.push_back(oj);
  }
  Json& v = j["validation_messages"];
  v = Json::array();
  for (const auto& m : r.validation_messages) v.push_back(Json(m));
  j["repro"] = r.repro;
  return j;
}

}  // namespace

Json report_json(const RunReport& report) {
  Json j = Json::object();
  j["schema"] = kJsonSchema;
  Json& tool = j["tool"];
  tool["name"] = "vknorm-check";
  tool["vknorm_version"] = vknorm::version_string();
  tool["command_line"] = report.command_line;
  Json& run = j["run"];
  run["mode"] = report.mode;
  run["matrix"] = report.matrix;
  run["seed"] = report.seed;
  run["force_shared_reduction"] = report.force_shared_reduction;
  run["limits"] = report.limits;
  run["virtual_subgroup"] = report.virtual_subgroup;
  run["started"] = report.started;
  run["seconds"] = report.seconds;
  run["aborted"] = report.aborted;
  run["abort_reason"] = report.abort_reason;
  j["device"] = device_json(report.device);
  Json& sum = j["summary"];
  sum["total"] = static_cast<int>(report.cases.size());
  sum["pass"] = report.count(CaseStatus::pass);
  sum["fail"] = report.count(CaseStatus::fail);
  sum["skip"] = report.count(CaseStatus::skip);
  sum["run_validation_messages"] = static_cast<int>(report.run_validation_messages.size());
  sum["ok"] = report.all_passed();
  Json& rv = j["run_validation_messages"];
  rv = Json::array();
  for (const auto& m : report.run_validation_messages) rv.push_back(Json(m));
  Json& cases = j["cases"];
  cases = Json::array();
  for (const auto& c : report.cases) cases.push_back(case_json(c));
  return j;
}

// ---------------------------------------------------------------------------------------------
// JUnit XML

namespace {

// XML 1.0 text: escapes markup characters, drops characters XML cannot hold, replaces
// invalid UTF-8 (driver strings are not guaranteed to be clean).
std::string xml(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '&': out += "&amp;"; continue;
      case '<': out += "&lt;"; continue;
      case '>': out += "&gt;"; continue;
      case '"': out += "&quot;"; continue;
      case '\'': out += "&apos;"; continue;
      case '\n': out += "&#10;"; continue;
      case '\t': out += "&#9;"; continue;
      case '\r': out += "&#13;"; continue;
      default: break;
    }
    if (c < 0x20) continue;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok) {
      out.append(s, i, len);
      i += len - 1;
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out;
}

// Element text (CDATA-free): newlines kept literally.
std::string xml_text(const std::string& s) {
  std::string out = xml(s);
  std::string r;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out.compare(i, 5, "&#10;") == 0) {
      r += '\n';
      i += 4;
    } else {
      r += out[i];
    }
  }
  return r;
}

std::string seconds_attr(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string metrics_text(const CaseRecord& r) {
  std::string t;
  for (const auto& o : r.outputs) {
    t += o.name + ": nmse=" + fmt_metric(o.nmse) + " max_abs=" + fmt_metric(o.max_abs) +
         " max_rel=" + fmt_metric(o.max_rel) + " nan_mm=" + std::to_string(o.nan_mismatches) +
         " inf_mm=" + std::to_string(o.inf_mismatches) +
         " out_of_tol=" + std::to_string(o.out_of_tolerance) + "/" + std::to_string(o.count) +
         (o.pass ? " pass" : " FAIL") + "\n";
  }
  if (!r.config.empty()) t += "config: " + r.config + "\n";
  for (const auto& m : r.validation_messages) t += "validation: " + m + "\n";
  t += "repro: " + r.repro + "\n";
  return t;
}

std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%04x", v);
  return b;
}

void properties(const RunReport& rep, std::string* x) {
  const DeviceReport& d = rep.device;
  const std::pair<const char*, std::string> props[] = {
      {"device", d.name},
      {"vendor_id", hex(d.vendor_id)},
      {"vendor", d.vendor_name},
      {"device_id", std::to_string(d.device_id)},
      {"driver_id", std::to_string(d.driver_id) + " (" + d.driver_id_name + ")"},
      {"driver_name", d.driver_name},
      {"driver_info", d.driver_info},
      {"driver_version", d.driver_version_string + " (" + std::to_string(d.driver_version) + ")"},
      {"api_version", d.api_version_string},
      {"subgroup_size", std::to_string(d.subgroup_size)},
      {"subgroup_size_range", std::to_string(d.min_subgroup_size) + ".." + std::to_string(d.max_subgroup_size)},
      {"shared_memory_reduction", d.shared_memory_reduction ? "true" : "false"},
      {"lp_native_vector_width", d.lp_native_vector_width},
      {"validation", d.validation ? "true" : "false"},
      {"vknorm_version", d.vknorm_version},
      {"mode", rep.mode},
      {"matrix", rep.matrix},
      {"seed", std::to_string(rep.seed)},
      {"force_shared_reduction", rep.force_shared_reduction ? "true" : "false"},
      {"limits", rep.limits},
      {"virtual_subgroup", std::to_string(rep.virtual_subgroup)},
      {"command_line", rep.command_line},
  };
  *x += "    <properties>\n";
  for (const auto& p : props) {
    *x += "      <property name=\"" + xml(p.first) + "\" value=\"" + xml(p.second) + "\"/>\n";
  }
  *x += "    </properties>\n";
}

}  // namespace

std::string report_junit(const RunReport& rep) {
  const std::string prefix = rep.suite_name.empty() ? "" : rep.suite_name + ".";
  std::string hostname = "localhost";
  char hn[256] = {};
  if (gethostname(hn, sizeof hn - 1) == 0 && hn[0]) hostname = hn;

  struct Suite {
    std::string name;
    std::vector<const CaseRecord*> cases;
  };
  std::vector<Suite> suites;
  for (const vknorm_support::OpCase* op : vknorm_support::op_cases()) {
    Suite s;
    s.name = prefix + op->name();
    for (const auto& c : rep.cases) {
      if (c.c.spec.op == op) s.cases.push_back(&c);
    }
    if (!s.cases.empty()) suites.push_back(s);
  }
  const bool run_problem = !rep.run_validation_messages.empty() || rep.aborted;

  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  const int failures = rep.count(CaseStatus::fail) + (run_problem ? 1 : 0);
  x += "<testsuites name=\"" + xml(prefix + "vknorm-check") + "\" tests=\"" +
       std::to_string(rep.cases.size() + (run_problem ? 1 : 0)) + "\" failures=\"" +
       std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
       std::to_string(rep.count(CaseStatus::skip)) + "\" time=\"" + seconds_attr(rep.seconds) +
       "\">\n";
  for (const auto& s : suites) {
    int f = 0, k = 0;
    double t = 0;
    for (const auto* c : s.cases) {
      f += c->status == CaseStatus::fail;
      k += c->status == CaseStatus::skip;
      t += c->seconds;
    }
    x += "  <testsuite name=\"" + xml(s.name) + "\" tests=\"" + std::to_string(s.cases.size()) +
         "\" failures=\"" + std::to_string(f) + "\" errors=\"0\" skipped=\"" +
         std::to_string(k) + "\" time=\"" + seconds_attr(t) + "\" timestamp=\"" +
         xml(rep.started) + "\" hostname=\"" + xml(hostname) + "\">\n";
    properties(rep, &x);
    for (const auto* c : s.cases) {
      const std::string classname = s.name + "." + vknorm::dtype_name(c->c.spec.dtype);
      x += "    <testcase classname=\"" + xml(classname) + "\" name=\"" + xml(c->label) +
           "\" time=\"" + seconds_attr(c->seconds) + "\"";
      if (c->status == CaseStatus::pass) {
        x += "/>\n";
        continue;
      }
      x += ">\n";
      if (c->status == CaseStatus::skip) {
        x += "      <skipped message=\"" + xml(c->reason) + "\"/>\n";
      } else {
        const bool validation_only = c->reason.find("validation message") == 0;
        x += "      <failure message=\"" + xml(c->reason) + "\" type=\"" +
             (validation_only ? "validation" : "mismatch") + "\">" + xml_text(metrics_text(*c)) +
             "</failure>\n";
      }
      x += "    </testcase>\n";
    }
    x += "  </testsuite>\n";
  }
  if (run_problem) {
    x += "  <testsuite name=\"" + xml(prefix + "vknorm-check") +
         "\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0\" timestamp=\"" +
         xml(rep.started) + "\" hostname=\"" + xml(hostname) + "\">\n";
    properties(rep, &x);
    std::string text, message;
    if (rep.aborted) message = rep.abort_reason;
    if (!rep.run_validation_messages.empty()) {
      if (!message.empty()) message += "; ";
      message += std::to_string(rep.run_validation_messages.size()) +
                 " validation message(s) outside the cases";
      for (const auto& m : rep.run_validation_messages) text += m + "\n";
    }
    x += "    <testcase classname=\"" + xml(prefix + "vknorm-check.run") +
         "\" name=\"run\" time=\"0\">\n      <failure message=\"" + xml(message) +
         "\" type=\"run\">" + xml_text(text) + "</failure>\n    </testcase>\n  </testsuite>\n";
  }
  x += "</testsuites>\n";
  return x;
}

// ---------------------------------------------------------------------------------------------
// Summary

void print_summary(const RunReport& rep, std::FILE* out) {
  std::fprintf(out, "vknorm-check %s: %s%s%s, %zu case(s), seed %llu%s%s%s%s\n", vknorm::version_string(),
               rep.mode.c_str(), rep.matrix.empty() ? "" : " ", rep.matrix.c_str(),
               rep.cases.size(), static_cast<unsigned long long>(rep.seed),
               rep.force_shared_reduction ? ", forced shared-memory reduction" : "",
               rep.limits.empty() ? "" : ", limits ", rep.limits.c_str(),
               rep.virtual_subgroup ? (", virtual subgroups of " + std::to_string(rep.virtual_subgroup) + " lanes").c_str() : "");
  std::fprintf(out, "device: %s\n\n", device_one_line(rep.device).c_str());

  struct Row {
    int pass = 0, fail = 0, skip = 0;
    double seconds = 0;
  };
  std::vector<std::pair<std::string, Row>> rows;
  auto row = [&](const std::string& key) -> Row& {
    for (auto& r : rows) {
      if (r.first == key) return r.second;
    }
    rows.emplace_back(key, Row{});
    return rows.back().second;
  };
  for (const vknorm_support::OpCase* op : vknorm_support::op_cases()) {
    for (auto dt : {vknorm::DType::f32, vknorm::DType::f16, vknorm::DType::bf16}) {
      for (const auto& c : rep.cases) {
        if (c.c.spec.op != op || c.c.spec.dtype != dt) continue;
        Row& r = row(std::string(op->name()) + " " + vknorm::dtype_name(dt));
        r.pass += c.status == CaseStatus::pass;
        r.fail += c.status == CaseStatus::fail;
        r.skip += c.status == CaseStatus::skip;
        r.seconds += c.seconds;
      }
    }
  }
  Row total;
  std::fprintf(out, "%-26s %6s %6s %6s %9s\n", "operator dtype", "pass", "fail", "skip", "time");
  for (const auto& [name, r] : rows) {
    std::fprintf(out, "%-26s %6d %6d %6d %8.1fs\n", name.c_str(), r.pass, r.fail, r.skip, r.seconds);
    total.pass += r.pass;
    total.fail += r.fail;
    total.skip += r.skip;
    total.seconds += r.seconds;
  }
  std::fprintf(out, "%-26s %6d %6d %6d %8.1fs\n", "total", total.pass, total.fail, total.skip,
               total.seconds);

  std::map<std::string, int> skip_reasons;
  for (const auto& c : rep.cases) {
    if (c.status == CaseStatus::skip) ++skip_reasons[c.reason];
  }
  if (!skip_reasons.empty()) {
    std::fprintf(out, "\nskipped:\n");
    for (const auto& [reason, n] : skip_reasons) std::fprintf(out, "  %5d  %s\n", n, reason.c_str());
  }

  const int failed = rep.count(CaseStatus::fail);
  if (failed > 0) {
    std::fprintf(out, "\nFAILED (%d):\n", failed);
    int shown = 0;
    for (const auto& c : rep.cases) {
      if (c.status != CaseStatus::fail) continue;
      if (++shown > 200) {
        std::fprintf(out, "  ... and %d more (see the JSON report)\n", failed - 200);
        break;
      }
      std::fprintf(out, "  FAIL %s\n", c.label.c_str());
      std::fprintf(out, "       nmse=%s max_abs=%s max_rel=%s nan_mm=%lld inf_mm=%lld%s%s\n",
                   fmt_metric(c.nmse()).c_str(), fmt_metric(c.max_abs()).c_str(),
                   fmt_metric(c.max_rel()).c_str(), static_cast<long long>(c.nan_mismatches()),
                   static_cast<long long>(c.inf_mismatches()), c.config.empty() ? "" : "  config: ",
                   c.config.c_str());
      std::fprintf(out, "       reason: %s\n", c.reason.c_str());
      std::fprintf(out, "       repro:  %s\n", c.repro.c_str());
    }
  }
  if (!rep.run_validation_messages.empty()) {
    std::fprintf(out, "\nvalidation messages outside the cases (%zu):\n",
                 rep.run_validation_messages.size());
    for (const auto& m : rep.run_validation_messages) std::fprintf(out, "  %s\n", m.c_str());
  }
  if (rep.aborted) std::fprintf(out, "\nABORTED: %s\n", rep.abort_reason.c_str());
  std::fprintf(out, "\nresult: %s (%d passed, %d failed, %d skipped) in %.1f s\n",
               rep.all_passed() ? "PASS" : "FAIL", rep.count(CaseStatus::pass), failed,
               rep.count(CaseStatus::skip), rep.seconds);
}

}  // namespace vknorm_check
