#include "tools/check/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "support/compare.h"
#include "support/op_case.h"
#include "tools/check/report.h"

namespace vknorm_check {

using vknorm_support::Json;

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += "&quot;";
        continue;
      case '\'':
        out += "&#39;";
        continue;
      case '\n':
      case '\t':
        out.push_back(static_cast<char>(c));
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7F) continue;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    // Driver strings are not guaranteed to be UTF-8: keep valid sequences only.
    const size_t len = c >= 0xF0 && c <= 0xF4   ? 4
                       : c >= 0xE0 && c <= 0xEF ? 3
                       : c >= 0xC2 && c <= 0xDF ? 2
                                                : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) {
      out.append(s, i, len);
      i += len - 1;
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out;
}

namespace {

// Counts and sizes in full ("1422", not fmt_metric's "1.42e+03"); other numbers as fmt_metric.
std::string number_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f", v);
    return b;
  }
  return fmt_metric(v);
}

// Shorthands for reading the report's JSON: absent keys read as "" / 0.
std::string str(const Json* obj, const char* key) {
  const Json* v = obj ? obj->find(key) : nullptr;
  if (!v) return "";
  if (v->is_number()) return number_text(v->as_number());
  if (v->type() == Json::Type::boolean) return v->as_bool() ? "yes" : "no";
  return v->as_string();
}
double num(const Json* obj, const char* key) {
  const Json* v = obj ? obj->find(key) : nullptr;
  return v ? v->as_number() : 0;
}
std::string e(const std::string& s) { return html_escape(s); }
std::string shape_text(const Json& c) {
  std::string s;
  if (const Json* sh = c.find("shape")) {
    for (size_t i = 0; i < sh->size(); ++i) s += (i ? "x" : "") + number_text(sh->at(i).as_number());
  }
  const double nr = num(&c, "normalized_rank");
  if (nr > 1) s += " nr=" + number_text(nr);
  return s;
}

// Rows of a case (the product of the dimensions left of the normalized ones): the reduction
// length of dweight / dbias, whose tolerance widens with it.
int64_t leading_rows(const Json& c) {
  const Json* sh = c.find("shape");
  if (!sh) return 1;
  const int64_t lead = static_cast<int64_t>(sh->size()) -
                       std::max<int64_t>(1, static_cast<int64_t>(num(&c, "normalized_rank")));
  int64_t rows = 1;
  for (int64_t i = 0; i < lead; ++i)
    rows *= std::max<int64_t>(1, static_cast<int64_t>(sh->at(static_cast<size_t>(i)).as_number()));
  return rows;
}

// How much of its tolerance a case used (1 = at the limit), an upper bound. Per output,
// min(max_abs / atol, max_rel / rtol) bounds |got-ref| / (atol + rtol |ref|) of every element,
// and nmse / max_nmse is exact. The JSON does not record each output's tolerance, so this
// takes the strictest one the output can have (the case dtype's, f32 for the fp32
// statistics, widened by the row count for dweight / dbias as the op cases do), without the
// data-dependent widening some op cases add (conditioning, dx's RMS): such outputs look
// closer than they are, so a passing case is capped at 1. NaN when the case has no metrics.
double tolerance_used(const Json& c) {
  const Json* outs = c.find("outputs");
  vknorm::DType dtype = vknorm::DType::f32;
  if (!outs || outs->size() == 0 || !vknorm_support::parse_dtype(str(&c, "dtype"), &dtype)) {
    return NAN;
  }
  auto ratio = [](double err, double tol) { return err <= 0 ? 0.0 : tol > 0 ? err / tol : INFINITY; };
  double used = 0;
  for (size_t i = 0; i < outs->size(); ++i) {
    const Json& o = outs->at(i);
    const std::string name = str(&o, "name");
    const bool fp32_stat = name == "mean" || name == "rstd" || name == "y_scale";
    const bool reduced = name == "dweight" || name == "dbias";
    const auto tol =
        vknorm_support::tolerance_for(fp32_stat ? vknorm::DType::f32 : dtype, reduced ? leading_rows(c) : 1);
    const double elem =
        std::min(ratio(case_metric(&o, "max_abs"), tol.atol), ratio(case_metric(&o, "max_rel"), tol.rtol));
    double u = std::max(elem, ratio(case_metric(&o, "nmse"), tol.max_nmse));
    if (std::isnan(u) || num(&o, "nan_mismatches") > 0 || num(&o, "inf_mismatches") > 0) u = INFINITY;
    if (o.find("pass") && o.find("pass")->as_bool()) u = std::min(u, 1.0);
    used = std::max(used, u);
  }
  return used;
}

// The colour class of a case: its status, and for a pass how close it came.
const char* colour_class(const std::string& status, double used) {
  if (status == "fail") return "fail";
  if (status == "skip") return "skip";
  if (status != "pass" || std::isnan(used)) return "unknown";
  if (used < 0.1) return "far";
  if (used < 0.5) return "near";
  return "close";
}

std::string used_text(double used) {
  if (std::isnan(used)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.0f%%", used * 100);
  return std::isinf(used) ? "inf" : b;
}

const char* kStyle = R"(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em;color:#222;max-width:1600px}
h1{font-size:1.5em}h2{font-size:1.3em;border-bottom:2px solid #ccc;margin-top:2em}h3{font-size:1.1em;margin-top:1.5em}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}dl.kv{display:grid;grid-template-columns:max-content auto;gap:1px 1em;margin:.5em 0}
dl.kv dt{font-weight:600;color:#555}dl.kv dd{margin:0}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;margin-right:6px;font-weight:600}
.b-pass{background:#cdeccd}.b-fail{background:#f6c3c3}.b-skip{background:#ddd}.b-ok{background:#9bd89b}.b-bad{background:#ef8f8f}
.c{display:inline-block;width:9px;height:9px;margin:1px;border-radius:2px}
.far{background:#2e9d42}.near{background:#8fd18f}.close{background:#f2c94c}.fail{background:#d93c3c}.skip{background:#aaa}.unknown{background:#fff;border:1px solid #999}
td.grid{max-width:420px;line-height:9px}td.nw{white-space:nowrap}td.worst{font-size:11px;color:#555;white-space:nowrap}
.dim{opacity:.12}tr.dim{display:none}
.repro{background:#f7f7f7;padding:1px 4px;user-select:all;word-break:break-all}
.legend span{margin-right:1em}.note{color:#666}details summary{cursor:pointer;font-weight:600}
tr.r0 td:first-child,tr.r1 td:first-child{color:#b00;font-weight:600}tr.r2 td:first-child{color:#070}
#filterbar{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #eee}
)";

// Filter: dims grid squares and hides table rows whose label does not contain the text.
const char* kScript = R"(
(function(){
  var f=document.getElementById('filter');
  if(!f)return;
  f.addEventListener('input',function(){
    var q=f.value.toLowerCase();
    var items=document.querySelectorAll('[data-l]');
    for(var i=0;i<items.length;i++){
      var hit=!q||items[i].getAttribute('data-l').toLowerCase().indexOf(q)>=0;
      items[i].classList.toggle('dim',!hit);
    }
  });
})();
)";

void kv(std::string* h, const std::string& key, const std::string& value) {
  if (value.empty()) return;
  *h += "<dt>" + e(key) + "</dt><dd>" + e(value) + "</dd>";
}

void render_header(const LoadedReport& r, std::string* h) {
  const Json& root = r.root;
  const Json* d = root.find("device");
  const Json* run = root.find("run");
  const Json* tool = root.find("tool");
  *h += "<dl class=\"kv\">";
  kv(h, "device", str(d, "name"));
  kv(h, "vendor / type",
     str(d, "vendor") + " / " + str(d, "device_type") +
         (str(d, "device_class").empty() ? "" : " (class " + str(d, "device_class") + ")"));
  kv(h, "driver",
     str(d, "driver_name") + " | " + str(d, "driver_id_name") +
         (str(d, "driver_info").empty() ? "" : " | " + str(d, "driver_info")));
  kv(h, "driver version", str(d, "driver_version_string"));
  kv(h, "Vulkan API", str(d, "api_version_string"));
  kv(h, "vknorm version",
     str(tool, "vknorm_version").empty() ? str(d, "vknorm_version") : str(tool, "vknorm_version"));
  std::string sg = str(d, "subgroup_size");
  if (num(d, "min_subgroup_size") != num(d, "max_subgroup_size")) {
    sg += " (range " + str(d, "min_subgroup_size") + ".." + str(d, "max_subgroup_size") + ")";
  }
  if (num(d, "reported_subgroup_size") > 0 && num(d, "reported_subgroup_size") != num(d, "subgroup_size")) {
    sg += "; the driver reports " + str(d, "reported_subgroup_size");
  }
  kv(h, "subgroup size", sg);
  if (d && d->find("lanes_run")) {
    kv(h, "lanes that ran",
       num(d, "lanes_run") > 0
           ? str(d, "lanes_run")
           : "not probed" + (str(d, "lanes_probe_note").empty() ? "" : ": " + str(d, "lanes_probe_note")));
  } else {
    kv(h, "lanes that ran", "not recorded (older report)");
  }
  const Json* lp = d ? d->find("lp_native_vector_width") : nullptr;
  kv(h, "LP_NATIVE_VECTOR_WIDTH", lp && lp->is_string() ? lp->as_string() : "unset");
  kv(h, "reduction",
     str(d, "subgroup_arithmetic") == "yes" && str(d, "shared_memory_reduction") != "yes"
         ? "subgroup arithmetic"
         : "shared-memory fallback");
  if (const Json* q = d ? d->find("quirks") : nullptr) {
    std::string qs;
    for (size_t i = 0; i < q->size(); ++i) qs += (i ? "; " : "") + q->at(i).as_string();
    kv(h, "driver quirks", qs.empty() ? "none known" : qs);
  }
  kv(h, "validation", str(d, "validation_mode").empty() ? str(d, "validation") : str(d, "validation_mode"));
  kv(h, "run",
     str(run, "mode") + (str(run, "matrix").empty() ? "" : " " + str(run, "matrix")) + ", seed " +
         str(run, "seed") +
         (str(run, "force_shared_reduction") == "yes" ? ", forced shared-memory reduction" : "") + ", " +
         str(run, "seconds") + " s");
  kv(h, "started", str(run, "started"));
  kv(h, "command", str(tool, "command_line"));
  kv(h, "report file", r.path);
  *h += "</dl>\n";
}

struct Counts {
  int pass = 0, fail = 0, skip = 0;
  void add(const std::string& s) {
    pass += s == "pass";
    fail += s == "fail";
    skip += s == "skip";
  }
};

std::vector<const Json*> cases_of(const LoadedReport& r) {
  std::vector<const Json*> v;
  for (const auto& l : r.order) v.push_back(r.by_label.at(l));
  return v;
}

void render_summary(const LoadedReport& r, std::string* h) {
  const Json* sum = r.root.find("summary");
  const Json* run = r.root.find("run");
  const bool ok = sum && sum->find("ok") && sum->find("ok")->as_bool();
  *h += "<p><span class=\"badge " + std::string(ok ? "b-ok\">PASS" : "b-bad\">FAIL") +
        "</span>"
        "<span class=\"badge b-pass\">" +
        str(sum, "pass") +
        " passed</span>"
        "<span class=\"badge b-fail\">" +
        str(sum, "fail") +
        " failed</span>"
        "<span class=\"badge b-skip\">" +
        str(sum, "skip") + " skipped</span> of " + str(sum, "total") + " cases</p>\n";
  if (str(run, "aborted") == "yes")
    *h += "<p class=\"fail-text\"><b>Aborted:</b> " + e(str(run, "abort_reason")) + "</p>\n";
  if (const Json* rv = r.root.find("run_validation_messages")) {
    if (rv->size() > 0) {
      *h += "<p><b>Validation messages outside the cases (" + std::to_string(rv->size()) + "):</b></p><ul>";
      for (size_t i = 0; i < rv->size(); ++i)
        *h += "<li class=\"mono\">" + e(rv->at(i).as_string()) + "</li>";
      *h += "</ul>\n";
    }
  }
  // Operator x dtype counts, in report order.
  std::vector<std::pair<std::string, Counts>> rows;
  std::map<std::string, int> skip_reasons;
  for (const Json* c : cases_of(r)) {
    const std::string key = str(c, "op") + " " + str(c, "dtype");
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& p) { return p.first == key; });
    if (it == rows.end()) it = rows.insert(rows.end(), {key, Counts{}});
    it->second.add(case_status(c));
    if (case_status(c) == "skip") ++skip_reasons[str(c, "reason")];
  }
  *h += "<table><tr><th>operator dtype</th><th>pass</th><th>fail</th><th>skip</th></tr>";
  for (const auto& [key, n] : rows) {
    *h += "<tr><td>" + e(key) + "</td><td>" + std::to_string(n.pass) + "</td><td" +
          (n.fail ? " class=\"b-fail\"" : "") + ">" + std::to_string(n.fail) + "</td><td>" +
          std::to_string(n.skip) + "</td></tr>";
  }
  *h += "</table>\n";
  if (!skip_reasons.empty()) {
    *h += "<p><b>Skip reasons:</b></p><ul>";
    for (const auto& [reason, n] : skip_reasons)
      *h += "<li>" + std::to_string(n) + " &times; " + e(reason) + "</li>";
    *h += "</ul>\n";
  }
}

std::string metrics_cell(const Json* c) {
  if (!c) return "-";
  return "nmse " + fmt_metric(case_metric(c, "nmse")) + "<br>max_abs " +
         fmt_metric(case_metric(c, "max_abs")) + "<br>max_rel " + fmt_metric(case_metric(c, "max_rel")) +
         (num(c, "nan_mismatches") || num(c, "inf_mismatches")
              ? "<br>nan_mm " + str(c, "nan_mismatches") + " inf_mm " + str(c, "inf_mismatches")
              : "");
}

void render_failures(const LoadedReport& r, std::string* h) {
  constexpr int kMaxShown = 500;  // keeps a broken run's page loadable
  std::vector<const Json*> failed;
  for (const Json* c : cases_of(r)) {
    if (case_status(c) == "fail") failed.push_back(c);
  }
  *h += "<h3>Failures (" + std::to_string(failed.size()) + ")</h3>\n";
  if (failed.empty()) {
    *h += "<p>None.</p>\n";
    return;
  }
  *h +=
      "<table><tr><th>case</th><th>reason</th><th>metrics (worst output)</th><th>outputs out of "
      "tolerance</th><th>kernel config</th></tr>\n";
  int shown = 0;
  for (const Json* c : failed) {
    if (++shown > kMaxShown) break;
    const std::string label = str(c, "label");
    std::string outs;
    if (const Json* o = c->find("outputs")) {
      for (size_t i = 0; i < o->size(); ++i) {
        const Json& x = o->at(i);
        if (x.find("pass") && x.find("pass")->as_bool()) continue;
        outs += e(str(&x, "name")) + ": " + str(&x, "out_of_tolerance") + "/" + str(&x, "count") + "<br>";
      }
    }
    std::string validation;
    if (const Json* v = c->find("validation_messages")) {
      for (size_t i = 0; i < v->size(); ++i)
        validation += "<br><span class=\"mono\">validation: " + e(v->at(i).as_string()) + "</span>";
    }
    *h += "<tr data-l=\"" + e(label) + "\"><td><span class=\"mono\">" + e(label) +
          "</span><br>repro: <code class=\"repro\">" + e(str(c, "repro")) + "</code></td><td>" +
          e(str(c, "reason")) + validation + "</td><td class=\"mono nw\">" + metrics_cell(c) +
          "</td><td class=\"mono nw\">" + outs + "</td><td class=\"mono\">" + e(str(c, "config")) +
          "</td></tr>\n";
  }
  *h += "</table>\n";
  if (shown > kMaxShown) {
    *h += "<p class=\"note\">" + std::to_string(failed.size() - kMaxShown) +
          " more failures: see the JSON report.</p>\n";
  }
}

void render_legend(std::string* h) {
  *h +=
      "<p class=\"legend\"><span><i class=\"c far\"></i> pass, &lt;10% of tolerance</span>"
      "<span><i class=\"c near\"></i> pass, 10-50%</span><span><i class=\"c close\"></i> pass, &ge;50% "
      "(close)</span>"
      "<span><i class=\"c fail\"></i> fail</span><span><i class=\"c skip\"></i> skipped</span></p>\n"
      "<p class=\"note\">One square per case (eps, data kind, layout and variant of the cell's operator, "
      "dtype and "
      "shape); hover for its label and metrics. Tolerance used is an upper bound: per output, min(max_abs / "
      "atol, "
      "max_rel / rtol) and nmse / max_nmse against support/compare.h's tolerance_for (f32 for mean / rstd, "
      "widened by the row count for dweight / dbias). The report does not record the data-dependent widening "
      "of some outputs (layer_norm y and rstd on ill-conditioned rows, the backward dx scaled by its RMS), "
      "so "
      "these can show as close when they are not; passing cases are capped at 100%.</p>\n";
}

// Operator x dtype x shape: per operator a table, shapes down, dtypes across.
void render_grid(const LoadedReport& r, std::string* h) {
  struct Op {
    std::string name;
    std::vector<std::string> dtypes, shapes;
    std::map<std::pair<std::string, std::string>, std::vector<const Json*>> cells;  // (shape, dtype)
  };
  std::vector<Op> ops;
  auto add_unique = [](std::vector<std::string>* v, const std::string& s) {
    if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
  };
  for (const Json* c : cases_of(r)) {
    const std::string op = str(c, "op");
    auto it = std::find_if(ops.begin(), ops.end(), [&](const Op& o) { return o.name == op; });
    if (it == ops.end()) {
      ops.push_back(Op{});
      it = ops.end() - 1;
      it->name = op;
    }
    const std::string shape = shape_text(*c), dtype = str(c, "dtype");
    add_unique(&it->dtypes, dtype);
    add_unique(&it->shapes, shape);
    it->cells[{shape, dtype}].push_back(c);
  }
  render_legend(h);
  for (const Op& op : ops) {
    *h += "<h4>" + e(op.name) + "</h4>\n<table><tr><th>shape</th>";
    for (const auto& dt : op.dtypes) *h += "<th colspan=\"2\">" + e(dt) + "</th>";
    *h += "</tr>\n";
    for (const auto& shape : op.shapes) {
      *h += "<tr><td class=\"mono\">" + e(shape) + "</td>";
      for (const auto& dt : op.dtypes) {
        auto it = op.cells.find({shape, dt});
        if (it == op.cells.end()) {
          *h += "<td colspan=\"2\"></td>";
          continue;
        }
        std::string squares;
        double worst = 0;
        int fails = 0;
        for (const Json* c : it->second) {
          const std::string status = case_status(c);
          const double used = tolerance_used(*c);
          if (!std::isnan(used)) worst = std::max(worst, used);
          fails += status == "fail";
          const std::string label = str(c, "label");
          squares +=
              "<i class=\"c " + std::string(colour_class(status, used)) + "\" data-l=\"" + e(label) +
              "\" title=\"" +
              e(label + "\n" + status + ", tolerance used " + used_text(used) + "\nnmse " +
                fmt_metric(case_metric(c, "nmse")) + ", max_abs " + fmt_metric(case_metric(c, "max_abs")) +
                ", max_rel " + fmt_metric(case_metric(c, "max_rel"))) +
              "\"></i>";
        }
        *h += "<td class=\"grid\">" + squares + "</td><td class=\"worst\">" +
              (fails ? std::to_string(fails) + " fail" : used_text(worst)) + "</td>";
      }
      *h += "</tr>\n";
    }
    *h += "</table>\n";
  }
}

std::string ratio_text(double a, double b) {
  if (!(std::isfinite(a) && std::isfinite(b)) || a == 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, " (&times;%.3g)", b / a);
  return buf;
}

void render_changes(const LoadedReport& A, const LoadedReport& B, const CompareOptions& options,
                    std::string* h) {
  const Comparison cmp = compare_loaded(A, B, options);
  *h += "<p>A = " + e(A.path) + " (" + e(str(A.root.find("device"), "name")) + ", " +
        std::to_string(A.order.size()) + " cases)<br>B = " + e(B.path) + " (" +
        e(str(B.root.find("device"), "name")) + ", " + std::to_string(B.order.size()) + " cases)</p>\n";
  char counts[320];
  std::snprintf(counts, sizeof counts,
                "%d new failure(s), %d missing in B, %d fixed, %d other status change(s), %d metric "
                "change(s) (ratio %g), %d only in A, %d only in B, %d unchanged",
                cmp.new_failures, cmp.missing, cmp.fixed, cmp.status_changes, cmp.metric_changes,
                options.metric_ratio, cmp.only_a, cmp.only_b, cmp.same);
  *h += "<p><span class=\"badge " +
        std::string(cmp.regression() ? "b-bad\">NEW FAILURES in B" : "b-ok\">no new failure in B") +
        "</span> " + counts + "</p>\n";
  for (const auto& p : cmp.run_problems) *h += "<p><b>New:</b> " + e(p) + "</p>\n";

  // One collapsible table per kind of change; the ones that need attention start open.
  size_t i = 0;
  while (i < cmp.changes.size()) {
    size_t j = i;
    while (j < cmp.changes.size() && cmp.changes[j].rank == cmp.changes[i].rank) ++j;
    const int rank = cmp.changes[i].rank;
    static const char* const kTitles[] = {"New failures",   "Passing in A, missing in B",
                                          "Fixed",          "Other status changes",
                                          "Metric changes", "",
                                          "Only in A",      "Only in B"};
    *h += std::string("<details") + (rank <= 3 ? " open" : "") + "><summary>" + kTitles[rank] + " (" +
          std::to_string(j - i) +
          ")</summary>\n<table><tr><th>note</th><th>case</th><th>A</th><th>B</th>"
          "<th>nmse A / B</th><th>max_abs A / B</th><th>max_rel A / B</th></tr>\n";
    for (; i < j; ++i) {
      const CaseChange& c = cmp.changes[i];
      auto pair = [&](const char* k) {
        const double a = case_metric(c.a, k), b = case_metric(c.b, k);
        return (c.a ? fmt_metric(a) : "-") + " / " + (c.b ? fmt_metric(b) : "-") + ratio_text(a, b);
      };
      *h += "<tr class=\"r" + std::to_string(rank) + "\" data-l=\"" + e(c.label) + "\"><td>" + e(c.note) +
            "</td><td class=\"mono\">" + e(c.label);
      if (rank == 0 && c.b) {
        if (!str(c.b, "reason").empty()) *h += "<br>B: " + e(str(c.b, "reason"));
        *h += "<br>repro: <code class=\"repro\">" + e(str(c.b, "repro")) + "</code>";
      }
      *h += "</td><td>" + e(case_status(c.a)) + "</td><td>" + e(case_status(c.b)) +
            "</td><td class=\"mono\">" + pair("nmse") + "</td><td class=\"mono\">" + pair("max_abs") +
            "</td><td class=\"mono\">" + pair("max_rel") + "</td></tr>\n";
    }
    *h += "</table></details>\n";
  }
}

}  // namespace

std::string render_html(const std::vector<const LoadedReport*>& reports, const CompareOptions& options) {
  std::string title = "vknorm-check:";
  for (size_t i = 0; i < reports.size(); ++i) {
    title += (i ? " vs " : " ") + str(reports[i]->root.find("device"), "name");
  }
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                  e(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" + e(title) +
                  "</h1>\n";
  h += "<p class=\"note\">Rendered by vknorm-check " + e(vknorm::version_string()) + " --html from " +
       std::to_string(reports.size()) + " JSON report(s).</p>\n<nav><ul>";
  for (size_t i = 0; i < reports.size(); ++i) {
    h += "<li><a href=\"#report-" + std::to_string(i + 1) + "\">Report " + std::to_string(i + 1) + ": " +
         e(str(reports[i]->root.find("device"), "name")) + "</a></li>";
  }
  if (reports.size() > 1) h += "<li><a href=\"#changes\">What changed</a></li>";
  h += "</ul></nav>\n<div id=\"filterbar\">Filter cases by label: <input id=\"filter\" type=\"search\" "
       "size=\"40\" "
       "placeholder=\"e.g. layer_norm f16 nan_inf\"></div>\n";

  if (reports.size() > 1) {
    h += "<h2 id=\"changes\">What changed</h2>\n<p class=\"note\">Each report against report 1, matched by "
         "case "
         "label (the comparison of vknorm-check --compare).</p>\n";
    for (size_t i = 1; i < reports.size(); ++i) {
      h += "<h3>Report 1 &rarr; report " + std::to_string(i + 1) + "</h3>\n";
      render_changes(*reports[0], *reports[i], options, &h);
    }
  }
  for (size_t i = 0; i < reports.size(); ++i) {
    const LoadedReport& r = *reports[i];
    h += "<h2 id=\"report-" + std::to_string(i + 1) + "\">Report " + std::to_string(i + 1) + ": " +
         e(str(r.root.find("device"), "name")) + "</h2>\n";
    render_header(r, &h);
    render_summary(r, &h);
    render_failures(r, &h);
    h += "<h3>Operator x dtype x shape</h3>\n";
    render_grid(r, &h);
  }
  h += "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return h;
}

namespace {
int write_page(const std::string& out_path, const std::vector<const LoadedReport*>& reports,
               const CompareOptions& options) {
  if (!vknorm_support::write_text_file(out_path, render_html(reports, options))) {
    std::fprintf(stderr, "vknorm-check: cannot write %s\n", out_path.c_str());
    return 2;
  }
  return 0;
}
}  // namespace

int write_html_from_files(const std::string& out_path, const std::vector<std::string>& inputs,
                          const CompareOptions& options) {
  std::vector<std::unique_ptr<LoadedReport>> loaded;
  std::vector<const LoadedReport*> reports;
  for (const auto& path : inputs) {
    loaded.push_back(std::make_unique<LoadedReport>());
    std::string error;
    if (!load_report(path, loaded.back().get(), &error)) {
      std::fprintf(stderr, "vknorm-check --html: %s\n", error.c_str());
      return 2;
    }
    reports.push_back(loaded.back().get());
  }
  return write_page(out_path, reports, options);
}

int write_html_for_run(const std::string& out_path, Json report, const CompareOptions& options) {
  LoadedReport r;
  std::string error;
  if (!index_report(std::move(report), "this run", &r, &error)) {
    std::fprintf(stderr, "vknorm-check --html: %s\n", error.c_str());
    return 2;
  }
  return write_page(out_path, {&r}, options);
}

}  // namespace vknorm_check
