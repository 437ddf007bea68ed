/* readable: report.md and index.html from a results folder. Both are written by the same code
 * through a small sink that knows how each format spells a heading, a table and an image. */
#include "report/readable.h"

#include "report/costmodel.h"
#include "report/escape.h"
#include "results/json.h"
#include "report/plot.h"
#include "report/report.h"
#include "results/rset.h"
#include "results/safeio.h"
#include "util.h"

#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum fmt { MD, HTML };

struct sink {
    FILE *f;
    enum fmt fmt;
    char *const *warnings; /* the run's and the data's, as summary.json lists them */
    size_t n_warnings;
};

/* Text with the format's special characters escaped. */
static void put_text(struct sink *k, const char *s)
{
    if (k->fmt == HTML)
        pb_html_put(k->f, s);
    else
        pb_md_put(k->f, s);
}

/* A heading's anchor as GitHub makes it for Markdown (lower case; letters, digits, '-' and '_'
 * kept, spaces to '-', the rest dropped), used as the id in index.html too, so the table of
 * contents links work in both. */
static void heading_slug(const char *s, char *out, size_t len)
{
    size_t n = 0;
    for (; *s && n + 1 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
            out[n++] = (char)c;
        else if (c >= 'A' && c <= 'Z')
            out[n++] = (char)(c - 'A' + 'a');
        else if (c == ' ')
            out[n++] = '-';
    }
    out[n] = '\0';
}

static void put_heading(struct sink *k, int level, const char *s)
{
    if (k->fmt == MD) {
        fprintf(k->f, "\n%.*s ", level, "######");
        put_text(k, s);
        fputs("\n\n", k->f);
    } else {
        char id[200];
        heading_slug(s, id, sizeof id);
        fprintf(k->f, "<h%d id=\"%s\">", level, id);
        put_text(k, s);
        fprintf(k->f, "</h%d>\n", level);
    }
}

/* A table-of-contents entry: a link to a heading written with put_heading. */
static void put_toc_entry(struct sink *k, int depth, const char *heading)
{
    char id[200];
    heading_slug(heading, id, sizeof id);
    if (k->fmt == MD) {
        fprintf(k->f, "%*s- [", 2 * depth, "");
        put_text(k, heading);
        fprintf(k->f, "](#%s)\n", id);
    } else {
        fprintf(k->f, "<li%s><a href=\"#%s\">", depth ? " style=\"margin-left:1.5em\"" : "", id);
        put_text(k, heading);
        fputs("</a></li>\n", k->f);
    }
}

static void put_para(struct sink *k, const char *s)
{
    fputs(k->fmt == MD ? "" : "<p>", k->f);
    put_text(k, s);
    fputs(k->fmt == MD ? "\n\n" : "</p>\n", k->f);
}

static void table_begin(struct sink *k, const char *const *cols, size_t n)
{
    if (k->fmt == HTML) {
        fputs("<div class=\"scroll\"><table>\n<tr>", k->f);
        for (size_t i = 0; i < n; i++) {
            fputs("<th>", k->f);
            put_text(k, cols[i]);
            fputs("</th>", k->f);
        }
        fputs("</tr>\n", k->f);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        fputs("| ", k->f);
        put_text(k, cols[i]);
        fputc(' ', k->f);
    }
    fputs("|\n", k->f);
    for (size_t i = 0; i < n; i++)
        fputs("| --- ", k->f);
    fputs("|\n", k->f);
}

static void table_row(struct sink *k, const char *const *cells, size_t n)
{
    fputs(k->fmt == HTML ? "<tr>" : "", k->f);
    for (size_t i = 0; i < n; i++) {
        fputs(k->fmt == HTML ? "<td>" : "| ", k->f);
        put_text(k, cells[i]);
        fputs(k->fmt == HTML ? "</td>" : " ", k->f);
    }
    fputs(k->fmt == HTML ? "</tr>\n" : "|\n", k->f);
}

static void table_end(struct sink *k)
{
    fputs(k->fmt == HTML ? "</table></div>\n" : "\n", k->f);
}

/* rel is a file name found in the folder: escaped like any text, in the link too (Markdown
 * link targets break on spaces and parentheses, so such a name is shown, not linked). */
static void put_image(struct sink *k, const char *rel, const char *alt)
{
    if (k->fmt == MD) {
        if (strpbrk(rel, " ()<>[]\\")) {
            put_para(k, alt);
            return;
        }
        fputs("![", k->f);
        pb_md_put(k->f, alt);
        fprintf(k->f, "](%s)\n\n", rel);
    } else {
        fputs("<p><img src=\"", k->f);
        pb_html_put(k->f, rel);
        fputs("\" alt=\"", k->f);
        pb_html_put(k->f, alt);
        fputs("\"></p>\n", k->f);
    }
}

/* "1.23 us", "25.3 x", "-" for NAN. */
/* "1.2 us [1.1, 1.3]": a measured value with its CI, or "-" */
/* A time unit's scale to ns, or 0 for a unit that is not a time. */
static double time_unit_ns(const char *unit)
{
    static const struct {
        const char *u;
        double ns;
    } t[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
    for (size_t i = 0; i < PB_ARRAY_LEN(t); i++)
        if (!strcmp(unit, t[i].u))
            return t[i].ns;
    return 0;
}

/* "1.2 us [1.1, 1.3]": a measured value with its CI, or "-". Times are put in the unit that
 * reads best for the value (1.6 us, never 1.6e+03 ns), the CI in the same one. */
static const char *fmt_measured(const struct pb_claim_result *r, const char *unit, char *buf,
                                size_t len)
{
    double ns = time_unit_ns(unit), k = 1;
    if (ns > 0 && isfinite(r->value)) {
        double a = fabs(r->value) * ns;
        const char *u = a >= 1e9 ? "s" : a >= 1e6 ? "ms" : a >= 1e3 ? "us" : "ns";
        k = ns / time_unit_ns(u);
        unit = u;
    }
    if (!isfinite(r->value))
        snprintf(buf, len, "-");
    else if (isfinite(r->ci_lo) && isfinite(r->ci_hi))
        snprintf(buf, len, "%.3g %s [%.3g, %.3g]", r->value * k, unit, r->ci_lo * k, r->ci_hi * k);
    else
        snprintf(buf, len, "%.3g %s", r->value * k, unit);
    return buf;
}

/* What the Go cell says beside its number: how the OS-level figure relates to it, with the
 * factor between them where both were measured. */
static void costmodel_relation(const struct pb_claim *c, const struct pb_claim_result *os,
                               const struct pb_claim_result *go, char *buf, size_t len)
{
    if (!c->go.variant) {
        snprintf(buf, len, "-");
        return;
    }
    if (!isfinite(go->value)) {
        snprintf(buf, len, "Go %s: %s", go->verdict, go->note);
        return;
    }
    char factor[96] = "";
    if (isfinite(os->value) && os->value != 0 && go->value != 0 && os->value / go->value > 0)
        snprintf(factor, sizeof factor, " (OS level / Go: %.3gx)", os->value / go->value);
    snprintf(buf, len, "%s%s", c->go_relation, factor);
}

/* The Go toolchain and GOMAXPROCS the go family ran with, from its variants' placements. */
static void costmodel_go_setup(const struct pb_rset *s, char *buf, size_t len)
{
    snprintf(buf, len, "The go family did not run in this folder: Go columns are empty.");
    for (size_t i = 0; i < s->n_var; i++) {
        const struct pb_rvariant *v = &s->var[i];
        if (!strncmp(v->name, "go/", 3) && !strcmp(v->status, "ok") && v->placement &&
            v->placement[0]) {
            snprintf(buf, len,
                     "Go measurements: %s (from %s; a variant that sets its own GOMAXPROCS or "
                     "GODEBUG says so in its placement).",
                     v->placement, v->name);
            return;
        }
    }
    for (size_t i = 0; i < s->n_var; i++)
        if (!strncmp(s->var[i].name, "go/", 3) && s->var[i].reason && s->var[i].reason[0]) {
            snprintf(buf, len, "The go family did not run: %s.", s->var[i].reason);
            return;
        }
}

static void write_costmodel(struct sink *k, const struct pb_rset *s)
{
    put_heading(k, 2, "Cost model: quoted figures against this box");
    put_para(k,
             "Each figure quoted for Go's pinning model beside what this run measured: ratios and "
             "differences from the pair's paired blocks (Hodges-Lehmann, signed-rank 95.5 % CI, a "
             "procedure that covers 95 %), single values as the median of the variant's blocks "
             "(order-statistic 95 % CI). A "
             "figure holds only when the whole CI lies inside the quoted range, does not hold "
             "when they do not overlap, and is inconclusive otherwise; a single quoted number is "
             "read as half to twice itself (an order of magnitude, not a measurement). Where a "
             "claim is about an operation of Go's runtime, the Go column measures that operation "
             "itself (the go family) and the OS-level column what the C families measure for it; "
             "the verdict reads the like-for-like one ('decided by').");
    char setup[400];
    costmodel_go_setup(s, setup, sizeof setup);
    put_para(k, setup);
    static const char *const cols[] = {"claim",
                                       "quoted",
                                       "Go [CI]",
                                       "OS level [CI]",
                                       "verdict",
                                       "decided by",
                                       "what the OS level measures",
                                       "Go and the OS level",
                                       "note"};
    table_begin(k, cols, PB_ARRAY_LEN(cols));
    for (size_t i = 0; i < pb_n_claims; i++) {
        const struct pb_claim *c = &pb_claims[i];
        struct pb_claim_result os, go;
        pb_claim_eval(c, s, &os);
        pb_claim_eval_go(c, s, &go);
        const char *by;
        const struct pb_claim_result *d = pb_claim_decide(c, &os, &go, &by);
        char gov[128], osv[128], rel[600], what[300], from[420];
        fmt_measured(&go, c->unit, gov, sizeof gov);
        fmt_measured(&os, c->unit, osv, sizeof osv);
        costmodel_relation(c, &os, &go, rel, sizeof rel);
        snprintf(what, sizeof what, "%s (%s)", c->id, c->claim);
        snprintf(from, sizeof from, "%s: %s", by, d->from);
        const char *cells[] = {what,
                               c->quoted,
                               gov,
                               osv,
                               d->verdict,
                               from,
                               c->analog ? c->analog : "the operation itself",
                               rel,
                               d->note};
        table_row(k, cells, PB_ARRAY_LEN(cells));
    }
    table_end(k);
}

/* The families in the order their variants appear in summary.json. */
static size_t families(const struct pb_rset *s, const char **out, size_t cap)
{
    const struct pb_json *vs = pb_json_get(s->record, "variants");
    size_t n = 0;
    for (size_t i = 0; vs && i < vs->n; i++) {
        const char *f = pb_json_str(&vs->items[i], "family", "");
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = !strcmp(out[k], f);
        if (!seen && n < cap && f[0])
            out[n++] = f;
    }
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every plots/<family>.*.svg of the folder, sorted. */
static void write_plots(struct sink *k, const struct pb_rset *s, const char *fam)
{
    int fd = pb_open_dir(s->dir_fd, "plots");
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    char *names[128];
    size_t n = 0, fl = strlen(fam);
    struct dirent *e;
    while ((e = readdir(d)) && n < PB_ARRAY_LEN(names)) {
        size_t l = strlen(e->d_name);
        /* only whole pictures that are regular files: a link or a FIFO under a picture's name
         * is not shown */
        if (!strncmp(e->d_name, fam, fl) && e->d_name[fl] == '.' && l > 4 &&
            !strcmp(e->d_name + l - 4, ".svg") && pb_plot_file_complete(fd, e->d_name))
            names[n++] = pb_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *rel = pb_xasprintf("plots/%s", names[i]);
        put_image(k, rel, names[i]);
        free(rel);
        free(names[i]);
    }
    if (!n)
        put_para(k, "No plots (gnuplot did not run: see the warnings).");
}

static void write_family(struct sink *k, const struct pb_rset *s, const char *fam,
                         const struct pb_pair_result *res)
{
    put_heading(k, 3, fam);
    const struct pb_json *ps = pb_json_get(s->record, "pairs");
    static const char *const cols[] = {"baseline -> variant",
                                       "metric",
                                       "baseline",
                                       "variant",
                                       "ratio [95.5 % CI]",
                                       "+-",
                                       "p",
                                       "q",
                                       "verdict"};
    bool any = false;
    for (size_t i = 0; ps && i < ps->n; i++) {
        const struct pb_json *p = &ps->items[i];
        const struct pb_pair_result *r = &res[i];
        if (strcmp(pb_json_str(p, "experiment", ""), fam) != 0)
            continue;
        if (!any)
            table_begin(k, cols, PB_ARRAY_LEN(cols));
        any = true;
        const char *metric = pb_json_str(p, "metric", "");
        const struct pb_json *h = pb_json_get(p, "headline");
        char name[300], b[64], v[64], ratio[96], pv[32], qv[32], hw[32], verdict[600];
        snprintf(name, sizeof name, "%s%s -> %s", h && h->type == PB_JSON_BOOL && h->b ? "* " : "",
                 pb_json_str(p, "baseline", ""), pb_json_str(p, "variant", ""));
        pb_report_fmt(metric, r->base_median, b, sizeof b);
        pb_report_fmt(metric, r->var_median, v, sizeof v);
        if (isfinite(r->ratio) && isfinite(r->ci_low))
            snprintf(ratio, sizeof ratio, "%.3f [%.3f, %.3f]", r->ratio, r->ci_low, r->ci_high);
        else if (isfinite(r->ratio))
            snprintf(ratio, sizeof ratio, "%.3f", r->ratio);
        else
            snprintf(ratio, sizeof ratio, "-");
        snprintf(pv, sizeof pv, isfinite(r->p_value) ? "%.2g" : "-", r->p_value);
        snprintf(qv, sizeof qv, isfinite(r->q_value) ? "%.2g" : "-", r->q_value);
        snprintf(hw, sizeof hw, isfinite(r->st.half_width_pct) ? "%.1f %%" : "-",
                 r->st.half_width_pct);
        const char *note = pb_json_str(p, "note", "");
        const char *stop = pb_json_str(p, "stop", "");
        if (!strcmp(stop, "target reached"))
            stop = "";
        snprintf(verdict, sizeof verdict, "%s%s%s%s%s", r->verdict, note[0] ? ": " : "", note,
                 stop[0] ? "; " : "", stop);
        const char *cells[] = {name, metric, b, v, ratio, hw, pv, qv, verdict};
        table_row(k, cells, PB_ARRAY_LEN(cells));
    }
    if (any)
        table_end(k);
    write_plots(k, s, fam);
}

static void write_list(struct sink *k, const struct pb_json *arr, const char *a, const char *b)
{
    static const char *const cols[] = {"variant", "reason"};
    if (!arr || !arr->n) {
        put_para(k, "None.");
        return;
    }
    table_begin(k, cols, 2);
    for (size_t i = 0; i < arr->n; i++) {
        const char *cells[] = {pb_json_str(&arr->items[i], a, ""),
                               pb_json_str(&arr->items[i], b, "")};
        table_row(k, cells, 2);
    }
    table_end(k);
}

static void write_all(struct sink *k, const struct pb_rset *s)
{
    const struct pb_json *run = pb_json_get(s->record, "run");
    char title[400];
    snprintf(title, sizeof title, "pinbench report: %s, %s", pb_json_str(run, "host", "?"),
             pb_json_str(run, "started_utc", "?"));
    if (k->fmt == HTML) {
        fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>",
              k->f);
        put_text(k, title);
        fputs(
            "</title>\n<style>body{font-family:sans-serif;max-width:75em;margin:auto;padding:0 1em}"
            "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;"
            "padding:2px 6px;font-size:90%;text-align:left}img{max-width:100%}"
            ".scroll{overflow-x:auto;max-width:100%}</style>"
            "</head><body>\n",
            k->f);
    }
    put_heading(k, 1, title);
    /* a legacy folder (repetitions under Google Benchmark's interleaving) recorded no schedule */
    char sched[300] = "repetitions interleaved by Google Benchmark: a folder from before paired "
                      "blocks";
    if (isfinite(pb_json_num(run, "blocks_run", NAN)))
        snprintf(sched, sizeof sched,
                 "budget %g s, precision target +-%g %%; %.0f blocks and %.0f unrecorded "
                 "warm-ups in %.0f s",
                 pb_json_num(run, "budget_s", NAN), pb_json_num(run, "precision_target_pct", NAN),
                 pb_json_num(run, "blocks_run", NAN), pb_json_num(run, "warmup_blocks_run", 0),
                 pb_json_num(run, "measured_s", NAN));
    char line[1200];
    snprintf(line, sizeof line,
             "Profile %s (blocks of %g s, at least %.0f a side, %s), CPUs %s, %s build, commit "
             "%s; run %s. Command: %s",
             pb_json_str(run, "profile", "?"), pb_json_num(run, "min_time_s", NAN),
             pb_json_num(run, "repetitions", NAN), sched, pb_json_str(run, "cpus", "?"),
             pb_json_str(run, "build_type", "?"), pb_json_str(run, "git_commit", "?"),
             pb_json_get(run, "valid") && pb_json_get(run, "valid")->b ? "valid"
                                                                       : "INVALID (see below)",
             pb_json_str(run, "command_line", "?"));
    put_para(k, line);
    size_t n_res;
    struct pb_pair_result *res = pb_report_folder_pairs(s, &n_res);
    const char *fams[64];
    size_t nf = families(s, fams, PB_ARRAY_LEN(fams));
    fputs(k->fmt == HTML ? "<nav><ul style=\"list-style:none;padding-left:0\">\n" : "", k->f);
    put_toc_entry(k, 0, "Cost model: quoted figures against this box");
    put_toc_entry(k, 0, "Experiments");
    for (size_t i = 0; i < nf; i++)
        put_toc_entry(k, 1, fams[i]);
    static const char *const tail[] = {"Warnings", "Invalid variants", "Skipped variants",
                                       "Environment"};
    for (size_t i = 0; i < PB_ARRAY_LEN(tail); i++)
        put_toc_entry(k, 0, tail[i]);
    fputs(k->fmt == HTML ? "</ul></nav>\n" : "\n", k->f);
    write_costmodel(k, s);
    put_heading(k, 2, "Experiments");
    put_para(k, "Pairs (* headline) ran as paired blocks, A B B A and B A A B in turn, each "
                "quartet opened by an unrecorded warm-up block of its first variant. ratio: "
                "Hodges-Lehmann estimate of the variant/baseline ratio over the pilot, main and "
                "top-up quartets, with its 95.5 % signed-rank CI (the level at which the stopping "
                "rule's two looks still cover 95 %) and half-width (+-); p: Wilcoxon signed-rank; "
                "q: Benjamini-Hochberg over the "
                "run's pairs. faster/slower when q < 0.05 and the CI excludes 1; equivalent when "
                "the CI lies within the precision target; inconclusive otherwise (the CI is too "
                "wide to tell: the stop reason says how long it would take). Controls compare a "
                "variant with itself and should cover 1. Recomputed from the blocks the run "
                "recorded.");
    for (size_t i = 0; i < nf; i++)
        write_family(k, s, fams[i], res);
    pb_report_pairs_free(res, n_res);
    put_heading(k, 2, "Warnings");
    if (!k->n_warnings)
        put_para(k, "None.");
    for (size_t i = 0; i < k->n_warnings; i++) {
        fputs(k->fmt == MD ? "- " : "<li>", k->f);
        put_text(k, k->warnings[i]);
        fputs(k->fmt == MD ? "\n" : "</li>\n", k->f);
    }
    fputs("\n", k->f);
    put_heading(k, 2, "Invalid variants");
    write_list(k, pb_json_get(s->record, "invalid"), "variant", "reason");
    put_heading(k, 2, "Skipped variants");
    write_list(k, pb_json_get(s->record, "skipped"), "variant", "reason");
    put_heading(k, 2, "Environment");
    static const char *const cols[] = {"key", "value"};
    table_begin(k, cols, 2);
    for (size_t i = 0; i < s->env->n; i++) {
        if (s->env->items[i].type != PB_JSON_STR)
            continue;
        const char *cells[] = {s->env->keys[i], s->env->items[i].str};
        table_row(k, cells, 2);
    }
    table_end(k);
    if (k->fmt == HTML)
        fputs("</body></html>\n", k->f);
}

/* Written beside the folder's files as <name>.tmp (never through a link planted there) and
 * renamed over <name>. */
static int write_one(const struct pb_rset *s, const char *name, enum fmt fmt, char *const *warnings,
                     size_t n_warnings)
{
    struct pb_replace r;
    if (pb_replace_open_at(&r, s->dir_fd, name, name) < 0)
        return pb_errf("%s: %s", pb_q(s->dir), pb_err());
    struct sink k = {r.f, fmt, warnings, n_warnings};
    write_all(&k, s);
    if (pb_replace_commit(&r) < 0)
        return pb_errf("%s: %s", pb_q(s->dir), pb_err());
    return 0;
}

int pb_readable_write(const struct pb_rset *s, char *const *warnings, size_t n_warnings)
{
    return write_one(s, "report.md", MD, warnings, n_warnings) < 0 ||
                   write_one(s, "index.html", HTML, warnings, n_warnings) < 0
               ? -1
               : 0;
}

void pb_readable_print_costmodel(FILE *f, const struct pb_rset *s)
{
    char setup[400];
    costmodel_go_setup(s, setup, sizeof setup);
    pb_printf_fit(f,
                  "cost model: quoted figures against this box (95%% CI from paired blocks; "
                  "holds only with the CI inside the quoted range, a single number read as "
                  "0.5-2x; ~ an OS-level analog of the claimed operation; the verdict reads Go's "
                  "own measurement where there is one). %s",
                  setup);
    pb_printf_fit(f, "%-22s %-24s %-30s %-30s %s", "claim", "quoted", "Go [95% CI]",
                  "OS level [95% CI]", "verdict (decided by)");
    for (size_t i = 0; i < pb_n_claims; i++) {
        const struct pb_claim *c = &pb_claims[i];
        struct pb_claim_result os, go;
        pb_claim_eval(c, s, &os);
        pb_claim_eval_go(c, s, &go);
        const char *by;
        const struct pb_claim_result *d = pb_claim_decide(c, &os, &go, &by);
        char gov[128], osv[128];
        fmt_measured(&go, c->unit, gov, sizeof gov);
        fmt_measured(&os, c->unit, osv, sizeof osv);
        char id[40];
        snprintf(id, sizeof id, "%s%s", c->analog ? "~" : "", c->id);
        pb_printf_fit(f, "%-22s %-24s %-30s %-30s %s (%s)%s%s", id, c->quoted, gov, osv, d->verdict,
                      by, d->note[0] ? " - " : "", d->note);
    }
}
