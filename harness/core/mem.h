/* mem: memory bound to one NUMA node, and checked to be there.
 *
 * A bind that was not verified is no better than a pin that was not: hwloc falls back to plain
 * malloc on a topology without binding support (a synthetic one) and says nothing, and a
 * policy that is not strict lets the kernel place pages elsewhere when the node is short. So
 * memory is allocated with a strict bind, every page is touched (placed now, not at first use
 * inside a timed loop), and the nodes actually holding its pages are read back. */
#ifndef PB_MEM_H
#define PB_MEM_H

#include <stddef.h>
#include <stdint.h>

struct pb_topo;

/* `bytes` of zeroed memory on node `node` (OS number), transparent huge pages requested
 * (madvise), every page touched and checked to be on the node. NULL with pb_err() set
 * otherwise. Free with pb_mem_free. */
void *pb_mem_alloc_on_node(const struct pb_topo *t, int node, size_t bytes);
void pb_mem_free(const struct pb_topo *t, void *p, size_t bytes);

/* 0 when every page of [p, p + bytes) is on `node`; -1 with pb_err() naming where the pages are
 * otherwise, or why it cannot be told. */
int pb_mem_check_node(const struct pb_topo *t, const void *p, size_t bytes, int node);

/* The walks a memory experiment times, kept here so they are tested like the rest.
 *
 * Pointer chase: links every 64-byte line of buf into one random cycle (Sattolo's shuffle, so
 * one cycle through all lines, never a short loop that would sit in cache). Each load depends
 * on the one before: the time per load is the latency, with no overlap for the CPU to find.
 * Returns the first line, or NULL (pb_err) when the shuffle's index does not fit in memory. */
void *pb_mem_chase_build(void *buf, size_t bytes, uint64_t seed);
/* Follows `loads` links from `from`; returns where it stopped (the next walk's start). */
void *pb_mem_chase(void *from, size_t loads);
/* Reads every 8-byte word of buf in order and returns their sum: streaming bandwidth for one
 * thread, which keeps several lines in flight (the prefetchers too). */
uint64_t pb_mem_stream(const void *buf, size_t bytes);

/* The share of [p, p + bytes) backed by transparent huge pages, from /proc/self/smaps (0..1),
 * or -1 if it cannot be read. */
double pb_mem_huge_fraction(const void *p, size_t bytes);

/* The transparent huge page mode ("always", "madvise", "never"), or "unknown". */
const char *pb_mem_thp_mode(char *buf, size_t len);

#endif
