/* opts: option tables -> getopt_long and --help. */
#include "opts.h"

#include "util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define OPTS_HELP_COL 21 /* where help text starts */
#define OPTS_MAX 32

static const struct pb_opt opts_help = {"help", 'h', PB_OPT_FLAG, NULL, "this text", NULL, 0, 0};

static const struct pb_opt *opts_at(const struct pb_opts_spec *s, size_t i)
{
    return i < s->n_opts ? &s->opts[i] : &opts_help;
}

static void opts_push(char ***v, size_t *n, char *a)
{
    *v = pb_xrealloc(*v, (*n + 2) * sizeof **v, "arguments");
    (*v)[(*n)++] = a;
    (*v)[*n] = NULL;
}

/* One option's value into its destination. */
static int opts_store(const struct pb_opts_spec *s, const struct pb_opt *o, const char *v,
                      struct pb_opts_result *r)
{
    if (o == &opts_help) {
        r->help = true;
        return 0;
    }
    switch (o->kind) {
    case PB_OPT_FLAG:
        *(bool *)o->dst = true;
        return 0;
    case PB_OPT_STRING:
        *(const char **)o->dst = v;
        return 0;
    case PB_OPT_NUMBER: {
        char what[80];
        snprintf(what, sizeof what, "--%s", o->name);
        if (pb_parse_double(v, o->lo, o->hi, what, (double *)o->dst) < 0)
            return pb_errf("%s: %s", s->cmd, pb_err());
        return 0;
    }
    }
    return pb_errf("%s: --%s: an option of no known kind", s->cmd, o->name);
}

/* argv without the passed-through arguments (those before a "--"), which go to r->passed. */
static char **opts_split(const struct pb_opts_spec *s, int argc, char **argv,
                         struct pb_opts_result *r, int *n_out)
{
    char **own = NULL;
    size_t n = 0, np = 0;
    opts_push(&own, &n, argv[0]);
    opts_push(&r->passed, &np, argv[0]);
    bool ended = false;
    for (int i = 1; i < argc; i++) {
        ended |= !strcmp(argv[i], "--");
        if (!ended && s->pass_prefix && !strncmp(argv[i], s->pass_prefix, strlen(s->pass_prefix)))
            opts_push(&r->passed, &np, argv[i]);
        else
            opts_push(&own, &n, argv[i]);
    }
    r->n_passed = (int)np;
    *n_out = (int)n;
    return own;
}

static int opts_getopt(const struct pb_opts_spec *s, int argc, char **argv,
                       struct pb_opts_result *r)
{
    struct option lo[OPTS_MAX + 2];
    char shorts[2 * OPTS_MAX + 4] = ":";
    size_t ns = 1, n = s->n_opts + 1;
    for (size_t i = 0; i < n; i++) {
        const struct pb_opt *o = opts_at(s, i);
        lo[i] = (struct option){o->name, o->kind == PB_OPT_FLAG ? no_argument : required_argument,
                                NULL, (int)(256 + i)};
        if (o->short_name) {
            shorts[ns++] = o->short_name;
            if (o->kind != PB_OPT_FLAG)
                shorts[ns++] = ':';
        }
    }
    lo[n] = (struct option){NULL, 0, NULL, 0};
    shorts[ns] = '\0';
    opterr = 0;
    optind = 0; /* GNU: start afresh (the tests parse many times in one process) */
    int c;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        const char *bad = argv[optind - 1 < argc ? optind - 1 : argc - 1];
        if (c == '?')
            return pb_errf("%s: unknown option %s (see 'pinbench %s --help')", s->cmd,
                           optopt > 0 && optopt < 256 ? pb_q((char[]){'-', (char)optopt, 0}) : pb_q(bad),
                           s->cmd);
        if (c == ':')
            return pb_errf("%s: %s needs a value: %s=VALUE or %s VALUE", s->cmd, pb_q(bad), bad,
                           bad);
        const struct pb_opt *o = NULL;
        if (c >= 256)
            o = opts_at(s, (size_t)(c - 256));
        for (size_t i = 0; !o && i < n; i++)
            if (opts_at(s, i)->short_name == c)
                o = opts_at(s, i);
        if (!o || opts_store(s, o, optarg, r) < 0)
            return o ? -1 : pb_errf("%s: unexpected option character %d", s->cmd, c);
    }
    size_t no = 0;
    for (int i = optind; i < argc; i++)
        opts_push(&r->operands, &no, argv[i]);
    r->n_operands = no;
    return 0;
}

int pb_opts_parse(const struct pb_opts_spec *s, int argc, char **argv, struct pb_opts_result *r)
{
    memset(r, 0, sizeof *r);
    PB_CHECK(s->n_opts <= OPTS_MAX);
    int n;
    char **own = opts_split(s, argc, argv, r, &n);
    int rc = opts_getopt(s, n, own, r);
    free(own);
    if (rc < 0 || r->help)
        return rc;
    if (r->n_operands < s->min_operands)
        return pb_errf("%s: needs %s%zu %s (see 'pinbench %s --help')", s->cmd,
                       s->min_operands == s->max_operands ? "" : "at least ", s->min_operands,
                       s->operands ? s->operands : "arguments", s->cmd);
    if (r->n_operands > s->max_operands)
        return s->max_operands
                   ? pb_errf("%s: at most %zu %s, not %zu", s->cmd, s->max_operands,
                             s->operands ? s->operands : "arguments", r->n_operands)
                   : pb_errf("%s: unexpected argument %s (see 'pinbench %s --help')", s->cmd,
                             pb_q(r->operands[0]), s->cmd);
    return 0;
}

int pb_opts_get(const struct pb_opts_spec *s, int argc, char **argv, struct pb_opts_result *r)
{
    if (pb_opts_parse(s, argc, argv, r) < 0) {
        pb_opts_free(r);
        return 1 + pb_usage_error("%s", pb_err());
    }
    if (r->help) {
        pb_opts_help(s, stdout);
        pb_opts_free(r);
        return 1;
    }
    return 0;
}

void pb_opts_free(struct pb_opts_result *r)
{
    free(r->operands);
    free(r->passed);
    memset(r, 0, sizeof *r);
}

/* "  -h, --help" or "  --out=DIR": the option's column. */
static int opts_label(const struct pb_opt *o, char *buf, size_t len)
{
    char sh[8] = "";
    if (o->short_name)
        snprintf(sh, sizeof sh, "-%c, ", o->short_name);
    return snprintf(buf, len, "  %s--%s%s%s", sh, o->name, o->arg ? "=" : "",
                    o->arg ? o->arg : "");
}

void pb_opts_help(const struct pb_opts_spec *s, FILE *f)
{
    fprintf(f, "usage: %s\n\n%s\n", s->usage, s->about);
    fprintf(f, "\noptions:\n");
    for (size_t i = 0; i < s->n_opts + 1; i++) {
        const struct pb_opt *o = opts_at(s, i);
        char label[128];
        int w = opts_label(o, label, sizeof label);
        fputs(label, f);
        fprintf(f, "%*s", w < OPTS_HELP_COL - 2 ? OPTS_HELP_COL - w : 2, "");
        for (const char *p = o->help; *p; p++) {
            fputc(*p, f);
            if (*p == '\n' && p[1])
                fprintf(f, "%*s", OPTS_HELP_COL, "");
        }
        fputc('\n', f);
    }
    if (s->epilogue)
        fprintf(f, "\n%s", s->epilogue);
}
