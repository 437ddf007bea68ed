// gbench: the shim between pinbench's C harness and Google Benchmark. The only C++ file.
#include "run/gbench.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
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
bool g_format_given = false; // --benchmark_format on the command line

// The benchmarks pinbench registered; Google Benchmark holds only the one a block runs.
struct Reg {
    std::string name;
    pb_gb_fn fn;
    void *user;
    pb_gb_opts opts;
    std::vector<int64_t> args;
    std::vector<benchmark::BenchmarkReporter::Run> runs; // the reported blocks
};
std::vector<Reg> g_regs;

// Flags the block scheduler owns: read here, kept from Google Benchmark, which would otherwise
// repeat every block or overwrite its output file once per block.
std::string g_out_path, g_out_format = "json";
// The console shows each benchmark's aggregates unless asked for every block: a run has
// thousands of blocks.
bool g_report_aggregates_only = false, g_display_aggregates_only = true;
bool g_list_tests = false; // listing is the caller's: Google Benchmark would list per block
std::vector<std::pair<std::string, std::string>> g_context; // added to reports lazily

void flush_context()
{
    for (const auto &kv : g_context)
        benchmark::AddCustomContext(kv.first, kv.second);
    g_context.clear();
}
bool g_color = true;
bool g_tabular = false;
// --benchmark_time_unit: how the display and --benchmark_out show times (gbench.json, the
// record, stays in ns: everything that reads it back expects that)
benchmark::TimeUnit g_time_unit = benchmark::kNanosecond;
bool g_time_unit_set = false;
// pinbench's own console: Google Benchmark's table goes to a file in the results folder
// instead of stdout (pb_gb_display_to_file)
bool g_display_to_file = false;
std::ostringstream g_console_text;

// The runs as the user asked to see them: in --benchmark_time_unit.
std::vector<benchmark::BenchmarkReporter::Run> in_user_unit(
    std::vector<benchmark::BenchmarkReporter::Run> runs)
{
    if (g_time_unit_set)
        for (auto &r : runs)
            r.time_unit = g_time_unit;
    return runs;
}

// Forwards everything to the display reporter and the JSON file reporter, and hands each run to
// the C callback, so the harness sees exactly what Google Benchmark reported.
class TeeReporter : public benchmark::BenchmarkReporter
{
  public:
    TeeReporter(benchmark::BenchmarkReporter *display, pb_gb_report_fn cb, void *user)
        : display_(display), cb_(cb), user_(user)
    {
    }
    bool ReportContext(const Context &c) override
    {
        // Each block is a run of Google Benchmark's own; the display shows one banner, with
        // the name column as wide as the longest benchmark's name.
        if (have_context_)
            return true;
        have_context_ = true;
        context_.reset(new Context(c));
        size_t width = c.name_field_width;
        for (const Reg &r : g_regs)
            width = std::max(width, r.name.size() + std::strlen("/manual_time_median"));
        context_->name_field_width = width;
        // The console shows Google Benchmark's short banner; the environment (60-odd entries)
        // goes into the JSON, where tools read it, rather than in front of every run's table.
        // (the json display is written whole at the end, like the file)
        flush_context();
        return g_format == "json" ? true : display_->ReportContext(*context_);
    }
    void ReportRuns(const std::vector<Run> &runs) override
    {
        for (const Run &in : runs) {
            if (in.run_type == Run::RT_Aggregate || !current_)
                continue; // one repetition per block: none are made
            Run r = in;
            // a block runs a fixed iteration count; its name stays the benchmark's own
            r.run_name.iterations.clear();
            r.run_name.repetitions.clear();
            r.family_index = static_cast<int64_t>(current_ - g_regs.data());
            r.per_family_instance_index = 0;
            r.repetition_index = static_cast<int64_t>(current_->runs.size());
            r.repetitions = 0;
            last_iterations_ = r.iterations;
            last_error_ = run_failed(r, 0);
            if (!reporting_)
                continue;
            // the harness hears of the run first, so a progress line it drew is cleared
            // before the display prints
            if (cb_)
                Forward(r);
            current_->runs.push_back(r);
            if (g_format != "json" && !g_display_aggregates_only && !g_report_aggregates_only)
                display_->ReportRuns(in_user_unit(std::vector<Run>{r}));
        }
    }
    void Forward(const Run &r)
    {
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
        out.aggregate = false;
        out.aggregate_name = "";
        out.repetition_index = r.repetition_index;
        out.repetitions = 0;
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
    void Finalize() override {}

    benchmark::BenchmarkReporter *display_;
    pb_gb_report_fn cb_;
    void *user_;
    Reg *current_ = nullptr;
    bool reporting_ = false;
    bool have_context_ = false;
    std::unique_ptr<Context> context_;
    int64_t last_iterations_ = 0;
    bool last_error_ = false;
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
    Reg r;
    r.name = name;
    r.fn = fn;
    r.user = user;
    r.opts = opts ? *opts : pb_gb_opts{};
    if (opts && opts->n_args)
        r.args.assign(opts->args, opts->args + opts->n_args);
    r.opts.args = nullptr; // kept in r.args
    r.opts.n_args = 0;
    g_regs.push_back(std::move(r));
    return static_cast<int>(g_regs.size() - 1);
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
    // are read here as well as by Google Benchmark; those the block scheduler owns are read
    // here and kept from it.
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        bool own = false;
        if (starts_with(a, "--benchmark_format="))
            g_format = a + std::strlen("--benchmark_format="), g_format_given = true;
        else if (starts_with(a, "--benchmark_color="))
            g_color = std::strcmp(a + 18, "false") != 0 && std::strcmp(a + 18, "0") != 0;
        else if (starts_with(a, "--benchmark_counters_tabular="))
            g_tabular = std::strcmp(a + 29, "true") == 0 || std::strcmp(a + 29, "1") == 0;
        if (starts_with(a, "--benchmark_time_unit=")) {
            const char *u = a + std::strlen("--benchmark_time_unit=");
            static const struct {
                const char *name;
                benchmark::TimeUnit unit;
            } units[] = {{"ns", benchmark::kNanosecond},
                         {"us", benchmark::kMicrosecond},
                         {"ms", benchmark::kMillisecond},
                         {"s", benchmark::kSecond}};
            bool known = false;
            for (const auto &k : units)
                if (!std::strcmp(u, k.name))
                    g_time_unit = k.unit, known = true;
            if (!known)
                return pb_errf("--benchmark_time_unit=%s: expected ns, us, ms or s", u);
            g_time_unit_set = true;
            own = true;
        } else if (starts_with(a, "--benchmark_out=")) {
            g_out_path = a + std::strlen("--benchmark_out=");
            own = true;
        } else if (starts_with(a, "--benchmark_out_format=")) {
            g_out_format = a + std::strlen("--benchmark_out_format=");
            own = true;
        } else if (starts_with(a, "--benchmark_report_aggregates_only=")) {
            const char *v = a + std::strlen("--benchmark_report_aggregates_only=");
            g_report_aggregates_only = !std::strcmp(v, "true") || !std::strcmp(v, "1");
            own = true;
        } else if (starts_with(a, "--benchmark_display_aggregates_only=")) {
            const char *v = a + std::strlen("--benchmark_display_aggregates_only=");
            g_display_aggregates_only = !std::strcmp(v, "true") || !std::strcmp(v, "1");
            own = true;
        } else if (starts_with(a, "--benchmark_list_tests=")) {
            const char *v = a + std::strlen("--benchmark_list_tests=");
            g_list_tests = !std::strcmp(v, "true") || !std::strcmp(v, "1") ||
                           !std::strcmp(v, "yes") || !std::strcmp(v, "on");
            own = true;
        } else if (starts_with(a, "--benchmark_repetitions=") ||
                   starts_with(a, "--benchmark_enable_random_interleaving=") ||
                   starts_with(a, "--benchmark_filter=")) {
            own = true; // the scheduler decides blocks, order and selection
        }
        if (!own)
            argv[kept++] = argv[i];
    }
    *argc = kept;
    argv[kept] = nullptr;
    if (g_format != "console" && g_format != "json" && g_format != "csv")
        return pb_errf("--benchmark_format=%s: expected console, json or csv", g_format.c_str());
    benchmark::Initialize(argc, argv);
    for (int i = 1; i < *argc; i++)
        return pb_errf("unknown argument '%s' (see 'pinbench run --help')", argv[i]);
    return 0;
}

bool pb_gb_list_tests(void)
{
    return g_list_tests;
}

bool pb_gb_display_is_machine_readable(void)
{
    return g_format != "console";
}

bool pb_gb_min_time_has_units(void)
{
    return kMinTimeHasUnits;
}

namespace
{
std::unique_ptr<benchmark::BenchmarkReporter> g_display;
std::ostringstream g_display_json;
std::unique_ptr<TeeReporter> g_tee;

benchmark::BenchmarkReporter *make_reporter(const std::string &format, bool console_color)
{
    if (format == "json")
        return new benchmark::JSONReporter;
    if (format == "csv") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        return new benchmark::CSVReporter;
#pragma GCC diagnostic pop
    }
    int o = benchmark::ConsoleReporter::OO_None;
    if (console_color)
        o |= benchmark::ConsoleReporter::OO_Color;
    if (g_tabular)
        o |= benchmark::ConsoleReporter::OO_Tabular;
    return new benchmark::ConsoleReporter(
        static_cast<benchmark::ConsoleReporter::OutputOptions>(o));
}

using Run = benchmark::BenchmarkReporter::Run;

double stat_of(std::vector<double> v, const char *what)
{
    size_t n = v.size();
    double mean = 0;
    for (double x : v)
        mean += x;
    mean /= static_cast<double>(n);
    if (!std::strcmp(what, "mean"))
        return mean;
    if (!std::strcmp(what, "median")) {
        std::sort(v.begin(), v.end());
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    double ss = 0;
    for (double x : v)
        ss += (x - mean) * (x - mean);
    double sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0;
    if (!std::strcmp(what, "stddev"))
        return sd;
    return mean != 0 ? sd / mean : NAN; // cv
}

// Google Benchmark's aggregates (mean, median, stddev, cv) over a benchmark's blocks, in its
// own representation: iterations = the number of blocks, times scaled to read per iteration.
std::vector<Run> aggregates(const std::vector<Run> &runs)
{
    std::vector<const Run *> ok;
    for (const Run &r : runs)
        if (!run_failed(r, 0) && r.iterations > 0)
            ok.push_back(&r);
    std::vector<Run> out;
    if (ok.size() < 2)
        return out;
    static const char *const names[] = {"mean", "median", "stddev", "cv"};
    for (const char *name : names) {
        Run a = *ok.front();
        a.run_type = Run::RT_Aggregate;
        a.aggregate_name = name;
        a.repetition_index = -1;
        a.report_label = ok.front()->report_label;
        bool pct = !std::strcmp(name, "cv");
        a.aggregate_unit = pct ? benchmark::kPercentage : benchmark::kTime;
        a.iterations = static_cast<benchmark::IterationCount>(ok.size());
        std::vector<double> rt, ct;
        for (const Run *r : ok) {
            rt.push_back(r->real_accumulated_time / static_cast<double>(r->iterations));
            ct.push_back(r->cpu_accumulated_time / static_cast<double>(r->iterations));
        }
        double scale = pct ? 1.0 : static_cast<double>(ok.size());
        a.real_accumulated_time = stat_of(rt, name) * scale;
        a.cpu_accumulated_time = stat_of(ct, name) * scale;
        a.counters.clear();
        for (const auto &kv : ok.front()->counters) {
            std::vector<double> v;
            for (const Run *r : ok) {
                auto it = r->counters.find(kv.first);
                if (it != r->counters.end())
                    v.push_back(it->second.value);
            }
            if (v.size() == ok.size())
                a.counters[kv.first] = benchmark::Counter(stat_of(v, name), kv.second.flags);
        }
        out.push_back(a);
    }
    return out;
}

// Writes every benchmark's blocks (unless aggregates only) and aggregates through `rep`.
void report_all(benchmark::BenchmarkReporter *rep, const benchmark::BenchmarkReporter::Context &c,
                bool aggregates_only, bool user_unit)
{
    rep->ReportContext(c);
    for (Reg &g : g_regs) {
        if (g.runs.empty())
            continue;
        std::vector<Run> all;
        if (!aggregates_only)
            all = user_unit ? in_user_unit(g.runs) : g.runs;
        for (Run &r : all)
            r.repetitions = static_cast<int64_t>(g.runs.size());
        std::vector<Run> agg = aggregates(g.runs);
        for (Run &r : agg)
            r.repetitions = static_cast<int64_t>(g.runs.size());
        if (user_unit)
            agg = in_user_unit(agg);
        all.insert(all.end(), agg.begin(), agg.end());
        if (!all.empty())
            rep->ReportRuns(all);
    }
    rep->Finalize();
}

int write_report_file(const std::string &path, const std::string &format,
                      const benchmark::BenchmarkReporter::Context &c, bool aggregates_only,
                      bool user_unit)
{
    std::unique_ptr<benchmark::BenchmarkReporter> rep(make_reporter(format, false));
    std::ostringstream text;
    rep->SetOutputStream(&text);
    rep->SetErrorStream(&text);
    report_all(rep.get(), c, aggregates_only, user_unit);
    std::ofstream out(path);
    if (!out)
        return pb_errf("cannot open %s for writing", path.c_str());
    if (format == "json")
        write_strict_json(text.str(), out);
    else
        out << text.str();
    out.flush();
    if (!out)
        return pb_errf("write error on %s", path.c_str());
    return 0;
}
} // namespace

void pb_gb_display_to_file(bool to_file)
{
    g_display_to_file = to_file;
}

bool pb_gb_format_given(void)
{
    return g_format_given;
}

int pb_gb_run_begin(pb_gb_report_fn cb, void *user)
{
    // colour only for a person at a terminal that can show it (https://no-color.org)
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    bool color = g_color && !g_display_to_file && isatty(STDOUT_FILENO) &&
                 !(no_color && no_color[0]) && !(term && !std::strcmp(term, "dumb"));
    g_display.reset(make_reporter(g_format, color));
    if (g_display_to_file) {
        g_display->SetOutputStream(&g_console_text);
        g_display->SetErrorStream(&g_console_text);
    }
    g_tee.reset(new TeeReporter(g_display.get(), cb, user));
    return 0;
}

int64_t pb_gb_run_block(int index, uint64_t iterations, bool report, bool *error)
{
    *error = false;
    if (!g_tee || index < 0 || static_cast<size_t>(index) >= g_regs.size())
        return pb_errf("pb_gb_run_block: no benchmark %d", index);
    Reg &g = g_regs[static_cast<size_t>(index)];
    benchmark::ClearRegisteredBenchmarks();
    pb_gb_fn fn = g.fn;
    void *user = g.user;
    auto *b = benchmark::RegisterBenchmark(g.name.c_str(), [fn, user](benchmark::State &st) {
        fn(reinterpret_cast<pb_gb_state *>(&st), user);
    });
    if (g.opts.manual_time)
        b->UseManualTime();
    if (!g.args.empty())
        b->Args(g.args);
    if (iterations > 0)
        b->Iterations(static_cast<benchmark::IterationCount>(iterations));
    else if (g.opts.iterations > 0)
        b->Iterations(g.opts.iterations);
    b->Unit(benchmark::kNanosecond);
    g_tee->current_ = &g;
    g_tee->reporting_ = report;
    g_tee->last_iterations_ = 0;
    g_tee->last_error_ = false;
    size_t n = benchmark::RunSpecifiedBenchmarks(g_tee.get(), std::string("."));
    g_tee->current_ = nullptr;
    *error = g_tee->last_error_;
    if (n == 0)
        return pb_errf("%s did not run", g.name.c_str());
    return g_tee->last_iterations_;
}

int pb_gb_run_end(const char *json_path, const char *console_path)
{
    if (!g_tee)
        return pb_errf("pb_gb_run_end: no run began");
    if (!g_tee->context_)
        return pb_errf("pb_gb_run_end: no block ran");
    const benchmark::BenchmarkReporter::Context &c = *g_tee->context_;
    // the display: the aggregates (the blocks were shown as they ran), or everything for json
    if (g_format == "json") {
        std::unique_ptr<benchmark::BenchmarkReporter> rep(make_reporter("json", false));
        rep->SetOutputStream(&g_display_json);
        report_all(rep.get(), c, g_report_aggregates_only, true);
        write_strict_json(g_display_json.str(), std::cout);
    } else {
        for (Reg &g : g_regs) {
            std::vector<Run> agg = aggregates(g.runs);
            for (Run &r : agg)
                r.repetitions = static_cast<int64_t>(g.runs.size());
            if (!agg.empty())
                g_display->ReportRuns(in_user_unit(agg));
        }
        g_display->Finalize();
    }
    std::cout.flush();
    int rc = 0;
    if (json_path && write_report_file(json_path, "json", c, false, false) < 0)
        rc = -1;
    if (rc == 0 && !g_out_path.empty() &&
        write_report_file(g_out_path, g_out_format, c, g_report_aggregates_only, true) < 0)
        rc = -1;
    if (rc == 0 && g_display_to_file && console_path) {
        std::ofstream out(console_path);
        out << g_console_text.str();
        out.flush();
        if (!out)
            rc = pb_errf("write error on %s", console_path);
    }
    return rc;
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
