/* escape: strings from a results folder written into Markdown, HTML and XML as text.
 *
 * Folder strings (variant names, reasons, environment values, file names) come from files that
 * may have been crafted: each writer puts them through one of these, so none can open a tag,
 * an attribute, a link or a table cell. Control characters become spaces in every format (the
 * readers refuse them before this, but a writer does not rely on that). */
#ifndef PB_ESCAPE_H
#define PB_ESCAPE_H

#include <stdio.h>

/* HTML text and attribute values: & < > " ' as entities. */
void pb_html_put(FILE *f, const char *s);
/* XML 1.0 text and attribute values (JUnit): as HTML, with &apos;. */
void pb_xml_put(FILE *f, const char *s);
/* Markdown inline text, inside table cells too: the characters that start markup
 * (\ ` * _ [ ] < > | # ! ~ and a leading +, - or digit's dot are harmless mid-line) are
 * backslash-escaped, and < > & become entities so that no raw HTML reaches a renderer. */
void pb_md_put(FILE *f, const char *s);

#endif
