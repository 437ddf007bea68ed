/* escape: one place that knows each format's special characters. */
#include "report/escape.h"

#include <string.h>

static int escape_is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

void pb_html_put(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(escape_is_control(c) ? ' ' : c, f);
        }
    }
}

void pb_xml_put(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'')
            fputs("&apos;", f);
        else if (c == '&' || c == '<' || c == '>' || c == '"' || escape_is_control(c)) {
            char one[2] = {(char)c, 0};
            pb_html_put(f, one);
        } else
            fputc(c, f);
    }
}

void pb_md_put(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '&')
            fputs("&amp;", f);
        else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (strchr("\\`*_[]|#!~", c) && c)
            fprintf(f, "\\%c", c);
        else
            fputc(escape_is_control(c) ? ' ' : c, f);
    }
}
