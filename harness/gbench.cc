// gbench: the shim between pinbench's C harness and Google Benchmark. The only C++ file.
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <unistd.h>
#include <vector>

extern "C" int pb_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern "C" char *pb_json_null_nonfinite(const char *text, size_t len, size_t *replaced);

struct pb_gb_state {
    benchmark::State st;
};

namespace
{

benchmark::State &S(pb_gb_state *s)
{
    return *reinterpret_cast<benchmark::State *>(s);
}
const benchmark::State &S(const pb_gb_state *s)
{
    return *reinterpret_cast<const benchmark::State *>(s);
}

// Google Benchmark 1.8 replaced Run::error_occurred/error_message with skipped/skip_message and
// gave --benchmark_min_time units ("0.5s", "100x"). Both versions are in distributions (Debian 12
// ships 1.7, Ubuntu 24.04 1.8), so the shim picks whichever member exists at compile time.
template <typename R> auto run_failed(const R &r, int) -> decltype(r.skipped, bool())
{
    return r.skipped != 0;
}
template <typename R> auto run_failed(const R &r, long) -> decltype(r.error_occurred, bool())
{
    return r.error_occurred;
}
template <typename R> auto run_message(const R &r, int) -> decltype(r.skip_message, std::string())
{
    return r.skip_message;
}
template <typename R> auto run_message(const R &r, long) -> decltype(r.error_message, std::string())
{
    return r.error_message;
}
template <typename R> constexpr auto has_skipped(int) -> decltype(std::declval<R>().skipped, bool())
{
    return true;
}
template <typename R> constexpr bool has_skipped(long)
{
    return false;
}
constexpr bool kMinTimeHasUnits = has_skipped<benchmark::BenchmarkReporter::Run>(0);

std::string g_format = "console";
std::vector<std::pair<std::string, std::string>> g_context; // added to reports lazily

void flush_context()
{
    for (const auto &kv : g_context)
        benchmark::AddCustomContext(kv.first, kv.second);
    g_context.clear();
}
bool g_color = true;
bool g_tabular = false;

// Forwards everything to the display reporter and the JSON file reporter, and hands each run to
// the C callback, so the harness sees exactly what Google Benchmark reported.
class TeeReporter : public benchmark::BenchmarkReporter
{
  public:
    TeeReporter(benchmark::BenchmarkReporter *display, benchmark::BenchmarkReporter *file,
                pb_gb_report_fn cb, void *user)
        : display_(display), file_(file), cb_(cb), user_(user)
    {
    }
    bool ReportContext(const Context &c) override
    {
        // The console shows Google Benchmark's short banner; the environment (60-odd entries)
        // goes into the JSON, where tools read it, rather than in front of every run's table.
        if (g_format == "json")
            flush_context();
        bool ok = display_->ReportContext(c);
        flush_context();
        if (file_)
            ok = file_->ReportContext(c) && ok;
        return ok;
    }
    void ReportRuns(const std::vector<Run> &runs) override
    {
        // The harness hears of the runs first, so a progress line it drew is cleared before
        // the display prints.
        if (cb_)
            Forward(runs);
        display_->ReportRuns(runs);
        if (file_)
            file_->ReportRuns(runs);
    }
    void Forward(const std::vector<Run> &runs)
    {
        for (const Run &r : runs) {
            std::vector<std::string> names;
            std::vector<const char *> name_ptrs;
            std::vector<double> values;
            for (const auto &kv : r.counters) {
                names.push_back(kv.first);
                values.push_back(kv.second.value);
            }
            for (const auto &n : names)
                name_ptrs.push_back(n.c_str());
            std::string name = r.benchmark_name();
            pb_gb_report out{};
            out.name = name.c_str();
            out.aggregate = r.run_type == Run::RT_Aggregate;
            out.aggregate_name = r.aggregate_name.c_str();
            out.repetition_index = out.aggregate ? -1 : r.repetition_index;
            out.repetitions = r.repetitions;
            std::string message = run_message(r, 0);
            out.error = run_failed(r, 0);
            out.error_message = message.c_str();
            out.iterations = static_cast<uint64_t>(r.iterations);
            double to_ns = 1e9 / benchmark::GetTimeUnitMultiplier(r.time_unit);
            out.real_time_ns = r.GetAdjustedRealTime() * to_ns;
            out.cpu_time_ns = r.GetAdjustedCPUTime() * to_ns;
            out.n_counters = values.size();
            out.counter_names = name_ptrs.data();
            out.counter_values = values.data();
            cb_(&out, user_);
        }
    }
    void Finalize() override
    {
        display_->Finalize();
        if (file_)
            file_->Finalize();
    }

  private:
    benchmark::BenchmarkReporter *display_, *file_;
    pb_gb_report_fn cb_;
    void *user_;
};

bool starts_with(const char *s, const char *p)
{
    return std::strncmp(s, p, std::strlen(p)) == 0;
}

// Google Benchmark's JSON carries NaN where a counter's mean is 0 (its cv aggregate); JSON has
// no NaN, so the text is buffered and written with null in those places.
void write_strict_json(const std::string &text, std::ostream &out)
{
    char *clean = pb_json_null_nonfinite(text.data(), text.size(), nullptr);
    out << clean;
    std::free(clean);
}

} // namespace

extern "C" {

int pb_gb_register(const char *name, pb_gb_fn fn, void *user, const struct pb_gb_opts *opts)
{
    if (!name || !*name || !fn)
        return pb_errf("pb_gb_register: a benchmark needs a name and a function");
    auto *b = benchmark::RegisterBenchmark(
        name, [fn, user](benchmark::State &st) { fn(reinterpret_cast<pb_gb_state *>(&st), user); });
    if (opts) {
        if (opts->manual_time)
            b->UseManualTime();
        if (opts->iterations > 0)
            b->Iterations(opts->iterations);
        if (opts->n_args) {
            std::vector<int64_t> args(opts->args, opts->args + opts->n_args);
            b->Args(args);
        }
    }
    b->Unit(benchmark::kNanosecond);
    return 0;
}

bool pb_gb_keep_running_batch(pb_gb_state *st, uint64_t n)
{
    return S(st).KeepRunningBatch(static_cast<benchmark::IterationCount>(n));
}

uint64_t pb_gb_max_iterations(const pb_gb_state *st)
{
    return static_cast<uint64_t>(S(st).max_iterations);
}

void pb_gb_set_iteration_time(pb_gb_state *st, double seconds)
{
    S(st).SetIterationTime(seconds);
}

void pb_gb_counter(pb_gb_state *st, const char *name, double value, unsigned flags)
{
    int f = benchmark::Counter::kDefaults;
    if (flags & PB_GB_COUNTER_RATE)
        f |= benchmark::Counter::kIsRate;
    if (flags & PB_GB_COUNTER_AVG_ITERATIONS)
        f |= benchmark::Counter::kAvgIterations;
    S(st).counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(f));
}

void pb_gb_label(pb_gb_state *st, const char *label)
{
    S(st).SetLabel(label);
}
void pb_gb_skip_with_error(pb_gb_state *st, const char *msg)
{
    S(st).SkipWithError(msg);
}
bool pb_gb_error_occurred(const pb_gb_state *st)
{
    return S(st).error_occurred();
}
int64_t pb_gb_arg(const pb_gb_state *st, size_t i)
{
    return S(st).range(i);
}

void pb_gb_add_context(const char *key, const char *value)
{
    g_context.emplace_back(key, value);
}

int pb_gb_init(int *argc, char **argv)
{
    // The display reporter is ours (it must also feed the harness), so the flags that choose it
    // are read here as well as by Google Benchmark.
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (starts_with(a, "--benchmark_format="))
            g_format = a + std::strlen("--benchmark_format=");
        else if (starts_with(a, "--benchmark_color="))
            g_color = std::strcmp(a + 18, "false") != 0 && std::strcmp(a + 18, "0") != 0;
        else if (starts_with(a, "--benchmark_counters_tabular="))
            g_tabular = std::strcmp(a + 29, "true") == 0 || std::strcmp(a + 29, "1") == 0;
    }
    if (g_format != "console" && g_format != "json" && g_format != "csv")
        return pb_errf("--benchmark_format=%s: expected console, json or csv", g_format.c_str());
    benchmark::Initialize(argc, argv);
    for (int i = 1; i < *argc; i++)
        return pb_errf("unknown argument '%s' (see 'pinbench run --help')", argv[i]);
    return 0;
}

bool pb_gb_display_is_machine_readable(void)
{
    return g_format != "console";
}

bool pb_gb_min_time_has_units(void)
{
    return kMinTimeHasUnits;
}

long pb_gb_run(const char *json_path, pb_gb_report_fn cb, void *user)
{
    std::unique_ptr<benchmark::BenchmarkReporter> display;
    std::ostringstream display_json, file_json;
    if (g_format == "json") {
        display.reset(new benchmark::JSONReporter);
        display->SetOutputStream(&display_json);
    } else if (g_format == "csv") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        display.reset(new benchmark::CSVReporter);
#pragma GCC diagnostic pop
    } else {
        int o = benchmark::ConsoleReporter::OO_None;
        if (g_color && isatty(STDOUT_FILENO))
            o |= benchmark::ConsoleReporter::OO_Color;
        if (g_tabular)
            o |= benchmark::ConsoleReporter::OO_Tabular;
        display.reset(new benchmark::ConsoleReporter(
            static_cast<benchmark::ConsoleReporter::OutputOptions>(o)));
    }
    std::ofstream json_out;
    std::unique_ptr<benchmark::JSONReporter> file;
    if (json_path) {
        json_out.open(json_path);
        if (!json_out)
            return pb_errf("cannot open %s for writing", json_path);
        file.reset(new benchmark::JSONReporter);
        file->SetOutputStream(&file_json);
    }
    TeeReporter tee(display.get(), file.get(), cb, user);
    size_t n = benchmark::RunSpecifiedBenchmarks(&tee);
    if (g_format == "json")
        write_strict_json(display_json.str(), std::cout);
    std::cout.flush();
    if (json_path) {
        write_strict_json(file_json.str(), json_out);
        json_out.flush();
        if (!json_out)
            return pb_errf("write error on %s", json_path);
    }
    return static_cast<long>(n);
}

bool pb_gb_stdout_ok(void)
{
    std::cout.flush();
    return std::cout.good();
}

void pb_gb_shutdown(void)
{
    benchmark::Shutdown();
}

} // extern "C"
