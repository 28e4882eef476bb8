#include "selftest.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

extern char** environ;

namespace vknorm_bench {

namespace {

using vknorm_support::Json;

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The command line of a child: ours, less the self-test's own options, --json and --quiet,
// plus --case NAME and what a timing-only run needs.
std::vector<std::string> child_args(int argc, char** argv, const std::string& name,
                                    const std::string& json) {
  std::vector<std::string> a = {"/proc/self/exe"};
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--self-test" || s == "--quiet" || s == "--no-check" || s == "--no-profile")
      continue;
    if (s == "--json" || s == "--self-test-reps" || s == "--self-test-tol" ||
        s == "--self-test-max-noise" || s == "--case") {
      ++i;
      continue;
    }
    a.push_back(s);
  }
  for (const char* s : {"--no-roofline", "--no-check", "--no-profile", "--quiet", "--case"})
    a.push_back(s);
  a.push_back(name);
  a.push_back("--json");
  a.push_back(json);
  return a;
}

// Runs one case alone in a fresh process; returns its median (ms) or sets *error.
double run_alone(int argc, char** argv, const std::string& name, std::string* error) {
  char tmpl[] = "/tmp/vknorm-selftest-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) {
    *error = "mkstemp failed";
    return 0;
  }
  close(fd);
  const std::string json = tmpl;
  const std::vector<std::string> args = child_args(argc, argv, name, json);
  std::vector<char*> cargs;
  for (const std::string& s : args) cargs.push_back(const_cast<char*>(s.c_str()));
  cargs.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);  // its table
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  double median = 0;
  if (rc != 0) {
    *error = "posix_spawn failed";
  } else {
    int status = 0;
    waitpid(pid, &status, 0);
    std::string text, perr;
    Json j;
    if (!vknorm_support::read_text_file(json, &text) || !Json::parse(text, &j, &perr)) {
      *error = "child wrote no JSON (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    } else {
      const Json* cases = j.find("cases");
      const Json* t = cases && cases->size() == 1 ? cases->at(0).find("time") : nullptr;
      const Json* m = t ? t->find("median_ms") : nullptr;
      if (!m) *error = "child did not time the case";
      else median = m->as_number();
    }
  }
  std::remove(json.c_str());
  return median;
}

}  // namespace

std::vector<SelfTestRow> run_self_test(const Options& opt, int argc, char** argv,
                                       const std::vector<CaseResult>& first,
                                       const std::function<std::vector<CaseResult>()>& rerun,
                                       const std::function<void(const std::string&)>& progress) {
  std::vector<SelfTestRow> rows(first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    rows[i].name = first[i].c.name;
    rows[i].label = first[i].c.label();
  }
  // Alternate: suite, alone, suite, alone, ... so that a drift of the device (clocks,
  // temperature) over the test affects both sides alike.
  for (int rep = 0; rep < opt.self_test_reps; ++rep) {
    const std::vector<CaseResult> pass = rep == 0 ? first : rerun();
    for (size_t i = 0; i < rows.size() && i < pass.size(); ++i) {
      if (pass[i].ran) rows[i].suite_ms.push_back(pass[i].stats.median_ms);
      else rows[i].error = "suite: " + pass[i].error;
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      progress("self-test " + std::to_string(rep + 1) + "/" + std::to_string(opt.self_test_reps) +
               ": " + rows[i].name + " alone");
      std::string err;
      const double m = run_alone(argc, argv, rows[i].name, &err);
      if (!err.empty()) rows[i].error = "alone: " + err;
      else rows[i].alone_ms.push_back(m);
    }
  }
  // Noise: how far two medians of the same case in the same setting (suite/suite, alone/alone)
  // lie apart, relative to the alone median. A case passes if its suite and alone medians
  // (each the median over the repetitions) differ by at most tol + noise, and its noise is at
  // most max-noise (otherwise the comparison says nothing: NOISY, a failure too).
  for (SelfTestRow& r : rows) {
    if (!r.error.empty() || r.suite_ms.empty() || r.alone_ms.empty()) {
      r.verdict = "ERROR";
      continue;
    }
    r.suite_median = median_of(r.suite_ms);
    r.alone_median = median_of(r.alone_ms);
    auto spread = [](const std::vector<double>& v) {
      return *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
    };
    r.diff_pct = 100.0 * (r.suite_median - r.alone_median) / r.alone_median;
    r.noise_pct = 100.0 * std::max(spread(r.suite_ms), spread(r.alone_ms)) / r.alone_median;
    r.allowed_pct = opt.self_test_tol_pct + std::min(r.noise_pct, opt.self_test_max_noise_pct);
    if (r.noise_pct > opt.self_test_max_noise_pct) r.verdict = "NOISY";
    else if (std::fabs(r.diff_pct) <= r.allowed_pct) r.verdict = "ok";
    else r.verdict = r.diff_pct > 0 ? "SLOWER" : "FASTER";
  }
  return rows;
}

bool print_self_test(std::FILE* f, const Options& opt, const std::vector<SelfTestRow>& rows) {
  std::fprintf(f, "\nself-test of suite %s: median inside the suite vs alone (fresh process, --case), "
                  "%d repetitions each, alternating\n",
               opt.suite.c_str(), opt.self_test_reps);
  std::fprintf(f, "%-28s %12s %12s %8s %8s %8s  %s\n", "case", "suite", "alone", "diff", "noise",
               "allowed", "verdict");
  bool all = true;
  for (const SelfTestRow& r : rows) {
    all = all && r.pass();
    if (r.verdict == "ERROR") {
      std::fprintf(f, "%-28s %12s %12s %8s %8s %8s  ERROR %s\n", r.name.c_str(), "-", "-", "-", "-",
                   "-", r.error.c_str());
      continue;
    }
    std::fprintf(f, "%-28s %12s %12s %+7.1f%% %7.1f%% %7.1f%%  %s\n", r.name.c_str(),
                 format_ms(r.suite_median).c_str(), format_ms(r.alone_median).c_str(), r.diff_pct,
                 r.noise_pct, r.allowed_pct, r.verdict.c_str());
  }
  std::fprintf(f,
               "noise: largest repeat-to-repeat difference of the medians (suite vs suite, alone "
               "vs alone) / alone; allowed: %.1f%% + noise (noise above %.1f%%: NOISY, fails)\n"
               "self-test: %s\n",
               opt.self_test_tol_pct, opt.self_test_max_noise_pct, all ? "PASS" : "FAIL");
  return all;
}

Json self_test_json(const Options& opt, const std::vector<SelfTestRow>& rows) {
  Json j = Json::object();
  j["suite"] = opt.suite;
  j["repetitions"] = opt.self_test_reps;
  j["tolerance_pct"] = opt.self_test_tol_pct;
  j["max_noise_pct"] = opt.self_test_max_noise_pct;
  Json a = Json::array();
  bool all = true;
  for (const SelfTestRow& r : rows) {
    all = all && r.pass();
    Json e = Json::object();
    e["name"] = r.name;
    e["case"] = r.label;
    Json s = Json::array(), al = Json::array();
    for (double v : r.suite_ms) s.push_back(v);
    for (double v : r.alone_ms) al.push_back(v);
    e["suite_ms"] = s;
    e["alone_ms"] = al;
    e["diff_pct"] = r.diff_pct;
    e["noise_pct"] = r.noise_pct;
    e["allowed_pct"] = r.allowed_pct;
    e["verdict"] = r.verdict;
    if (!r.error.empty()) e["error"] = r.error;
    a.push_back(e);
  }
  j["cases"] = a;
  j["pass"] = all;
  return j;
}

}  // namespace vknorm_bench
