# family.gp: one experiment family's plots from the data files pinbench wrote.
# Run as `gnuplot -c family.gp ARG1..ARG9` in the folder that holds the data (plots/): every
# value arrives as an argument string and is used as data, never evaluated; no path appears
# here, so nothing a user or a host name puts in a path can reach gnuplot as code.
#   ARG1 "family|question|host" (the family is the file prefix; the host is everything after the
#   second "|", whatever it holds), ARG2 metric, ARG3 its unit, ARG4 submetric, ARG5 gridmetric,
#   ARG6 its unit, ARG7 histmetric, ARG8 the blocks of each optional plot as seven numbers
#   "ncdf npct nsweep nthreads ngrid nmatrix nhist" (0 for none), ARG9 the matrices: five
#   fields per matrix separated by "|": file stem, title, x label, y label, colour-box label.
set termoption noenhanced
set encoding utf8
metric = ARG2
unit = ARG3
submetric = ARG4
gridmetric = ARG5
gridunit = ARG6
histmetric = ARG7
ncdf = int(word(ARG8, 1))
npct = int(word(ARG8, 2))
nsweep = int(word(ARG8, 3))
nthreads = int(word(ARG8, 4))
ngrid = int(word(ARG8, 5))
nmatrix = int(word(ARG8, 6))
nhist = int(word(ARG8, 7))
matrices = ARG9
# field k (from 1) of a "|"-separated list
field(s, k) = k <= 1 ? (strstrt(s, "|") ? s[1:strstrt(s, "|") - 1] : s) : field(s[strstrt(s, "|") + 1:], k - 1)
nfields(s) = strstrt(s, "|") ? 1 + nfields(s[strstrt(s, "|") + 1:]) : (strlen(s) ? 1 : 0)
# everything after the k-th "|"
after(s, k) = k <= 0 ? s : (strstrt(s, "|") ? after(s[strstrt(s, "|") + 1:], k - 1) : "")
family = field(ARG1, 1)
question = field(ARG1, 2)
host = after(ARG1, 2)
# every title: which family on which host, the question it answers, then what this plot shows
head = sprintf("%s on %s: %s", family, host, question)
titled(what) = head."\n".what
out = family
medians = family.".medians.dat"
cdf = family.".cdf.dat"
# Axes in ns read in ns, us, ms or s, never 1e+06: a linear axis is scaled to the unit that fits
# its largest value; a log axis gets a labelled tick per decade (the "set ?tics (...)" lines
# below). Other units print with an SI prefix ("2.5 G"), not an exponent.
tscale(m) = m >= 1e9 ? 1e9 : (m >= 1e6 ? 1e6 : (m >= 1e3 ? 1e3 : 1))
tname(m) = m >= 1e9 ? "s" : (m >= 1e6 ? "ms" : (m >= 1e3 ? "us" : "ns"))

# Medians over repetitions with their 95 % bootstrap CI, one bar per variant.
set style fill solid 0.35 border
set boxwidth 0.6
set grid ytics
set xtics rotate by -35 left
stats medians using 3 nooutput
ts = 1
munit = unit
if (STATS_max >= 1e4) { set format y "%.3s %c" }
if (STATS_min > 0 && STATS_max / STATS_min > 100) { set logscale y; set ylabel sprintf("%s (%s, log scale), median over repetitions", metric, unit) } \
else { set yrange [0:*]; set ylabel sprintf("%s (%s), median over repetitions", metric, unit) }
if (unit eq "ns" && STATS_min > 0 && STATS_max / STATS_min > 100) { \
    set ytics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, "100 us" 1e5, "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8, "1 s" 1e9, "10 s" 1e10, "100 s" 1e11); \
    set ylabel sprintf("%s (log scale), median over repetitions", metric) }
if (unit eq "ns" && !(STATS_min > 0 && STATS_max / STATS_min > 100)) { \
    ts = tscale(STATS_max); munit = tname(STATS_max); set format y "%g"; \
    set ylabel sprintf("%s (%s), median over repetitions", metric, munit) }
set title titled(sprintf("%s per variant, median and 95%% bootstrap CI", metric))
set key off
set bmargin 9
set rmargin 12 # the last rotated label runs right of the plot
do for [t in "svg pngcairo"] {
    if (t eq "svg") { set terminal svg size 1000,600 dynamic background rgb "white" noenhanced; set output out.".medians.svg" }
    else { set terminal pngcairo size 1000,600 noenhanced; set output out.".medians.png" }
    plot medians using 1:($3/ts):xtic(2) with boxes lc rgb "#4477aa", \
         ''      using 1:($3/ts):($4/ts):($5/ts) with yerrorbars lc rgb "black" pt 0
}

# Latency CDFs of the op metric, log time axis: at most six variants a panel (a dozen
# overlapping lines cannot be told apart), the panels stacked on one shared time axis.
colors = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #000000 #aec7e8 #ffbb78 #98df8a #ff9896 #c5b0d5"
if (ncdf > 0) {
    reset
    set termoption noenhanced
    stats cdf using 1 nooutput
    xlo = STATS_min > 0 ? STATS_min / 1.5 : 1
    xhi = STATS_max * 1.5
    npanel = int((ncdf + 5) / 6)
    set logscale x
    set xrange [xlo:xhi]
    set grid
    set xlabel "op latency (log scale)"
    set xtics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, "100 us" 1e5, "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8, "1 s" 1e9, "10 s" 1e10, "100 s" 1e11)
    set ylabel "cumulative fraction of operations"
    set yrange [0:1]
    set key bottom right font ",9"
    do for [t in "svg pngcairo"] {
        if (t eq "svg") { set terminal svg size 1000,(npanel > 1 ? 380 * npanel : 600) dynamic background rgb "white" noenhanced; set output out.".cdf.svg" }
        else { set terminal pngcairo size 1000,(npanel > 1 ? 380 * npanel : 600) noenhanced; set output out.".cdf.png" }
        set multiplot layout npanel, 1 title titled(sprintf("op latency CDF per variant%s", npanel > 1 ? " (six a panel)" : ""))
        do for [pnl = 0:npanel - 1] {
            lo = 6 * pnl
            hi = lo + 5 < ncdf - 1 ? lo + 5 : ncdf - 1
            plot for [i=lo:hi] cdf index i using 1:2 with steps lw 2 lc rgb word(colors, i%16+1) title columnheader(1)
        }
        unset multiplot
    }
}

# Frequency histogram of one metric (histmetric), log-log: the rare long samples that a CDF
# compresses into its last pixel are the point (TSC gaps: every sample above the loop's own cost
# is time the CPU spent elsewhere).
if (nhist > 0) {
    reset
    set termoption noenhanced
    set logscale xy
    set grid
    set xlabel sprintf("%s (log scale)", histmetric)
    set xtics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, "100 us" 1e5, "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8, "1 s" 1e9, "10 s" 1e10, "100 s" 1e11)
    set format y "%.3s%c"
    set ylabel "samples per histogram bucket (log scale)"
    set key top right font ",9"
    set title titled(sprintf("%s histogram per variant (buckets widen with the value)", histmetric))
    do for [t in "svg pngcairo"] {
        if (t eq "svg") { set terminal svg size 1000,600 dynamic background rgb "white" noenhanced; set output out.".hist.svg" }
        else { set terminal pngcairo size 1000,600 noenhanced; set output out.".hist.png" }
        # points, not steps: empty buckets between two far-apart samples are not data
        plot for [i=0:nhist-1] out.".hist.dat" index i using 1:2 with points pt (i%6+4) ps 1.2 lc rgb word(colors, i%16+1) title columnheader(1)
    }
}

# Percentiles of the family's own latency metric per variant (log scale: they span decades).
if (npct > 0) {
    reset
    set style data histograms
    set style histogram clustered gap 1
    set style fill solid 0.6 border
    set logscale y
    set grid ytics
    set xtics rotate by -35 left font ",8"
    set bmargin 10
    set ylabel sprintf("%s latency (log scale)", submetric)
    set ytics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, "100 us" 1e5, "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8, "1 s" 1e9, "10 s" 1e10, "100 s" 1e11)
    set title titled(sprintf("%s latency percentiles per variant", submetric))
    set key top left
    do for [t in "svg pngcairo"] {
        if (t eq "svg") { set terminal svg size 1200,650 dynamic background rgb "white" noenhanced; set output out.".percentiles.svg" }
        else { set terminal pngcairo size 1200,650 noenhanced; set output out.".percentiles.png" }
        plot out.".percentiles.dat" using 3:xtic(2) title "p50", '' using 4 title "p90", \
             '' using 5 title "p99", '' using 6 title "p99.9"
    }
}

# Open-loop sweeps: request latency against the throughput reached, one line per series.
if (nsweep > 0) {
    reset
    set logscale y
    set grid
    set xlabel "achieved throughput (requests/s)"
    set ylabel "request latency from intended start (log scale)"
    set ytics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, "100 us" 1e5, "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8, "1 s" 1e9, "10 s" 1e10, "100 s" 1e11)
    set format x "%.3s %c"
    set title titled("open loop, latency vs throughput (p50 dashed, p99 solid)")
    set key top left font ",9"
    do for [t in "svg pngcairo"] {
        if (t eq "svg") { set terminal svg size 1000,600 dynamic background rgb "white" noenhanced; set output out.".sweep.svg" }
        else { set terminal pngcairo size 1000,600 noenhanced; set output out.".sweep.png" }
        plot for [i=0:nsweep-1] out.".sweep.dat" index i using 2:4 with linespoints lw 2 \
                 lc rgb word(colors, i%16+1) title columnheader(1), \
             for [i=0:nsweep-1] out.".sweep.dat" index i using 2:3 with linespoints dt 2 \
                 lc rgb word(colors, i%16+1) notitle
    }
}

# The process's thread count during the last repetition of each sampled variant.
if (nthreads > 0) {
    reset
    set grid
    set xlabel "time in the repetition (ms)"
    set ylabel "threads in the process"
    set title titled("thread count over time")
    set key outside right font ",8"
    do for [t in "svg pngcairo"] {
        if (t eq "svg") { set terminal svg size 1200,600 dynamic background rgb "white" noenhanced; set output out.".threads.svg" }
        else { set terminal pngcairo size 1200,600 noenhanced; set output out.".threads.png" }
        plot for [i=0:nthreads-1] out.".threads.dat" index i using 1:2 with steps lw 2 \
             lc rgb word(colors, i%16+1) title columnheader(1)
    }
}

# "<x>/<series>" families: the grid metric against x, one line per series, log y.
if (ngrid > 0) {
    reset
    set logscale y
    set grid
    set xtics rotate by -30 left
    set bmargin 6
    set ylabel sprintf("%s (%s, log scale), median over repetitions, 95%% CI", gridmetric, gridunit)
    set format y "%.3s %c"
    if (gridunit eq "ns") { \
        set ytics ("1 ns" 1, "10 ns" 10, "100 ns" 100, "1 us" 1e3, "10 us" 1e4, "100 us" 1e5, "1 ms" 1e6, "10 ms" 1e7, "100 ms" 1e8, "1 s" 1e9, "10 s" 1e10, "100 s" 1e11); \
        set ylabel sprintf("%s (log scale), median over repetitions, 95%% CI", gridmetric) }
    set title titled(sprintf("%s by variant group", gridmetric))
    set key outside right font ",9"
    set offsets 0.3, 0.3, 0, 0
    do for [t in "svg pngcairo"] {
        if (t eq "svg") { set terminal svg size 1100,600 dynamic background rgb "white" noenhanced; set output out.".grid.svg" }
        else { set terminal pngcairo size 1100,600 noenhanced; set output out.".grid.png" }
        plot for [i=0:ngrid-1] out.".grid.dat" index i using 1:3:4:5:xtic(2) with yerrorlines \
             lw 2 lc rgb word(colors, i%16+1) title columnheader(1)
    }
}

# Matrices (CPU-pair round trips, NUMA node x node latency and bandwidth): the mean per cell as a
# heatmap, one per matrix described in ARG9 (data in <stem>.dat: row and column positions, the
# mean, the two labels); the axes hold exactly the planned CPUs or nodes, in the order run.json
# gives (topology order for CPUs), ticks labelled with their numbers; white where not measured.
# Up to 8 rows each cell also prints its value (three digits and an SI prefix: wider numbers
# would run into the next cell).
if (nmatrix > 0) {
    reset
    set termoption noenhanced
    # a label per tick up to 32 rows, beyond that every step-th (and the rest unlabelled)
    step = nmatrix <= 32 ? 1 : int((nmatrix + 31) / 32)
    set logscale cb
    set palette rgbformulae 22,13,-31
    set size ratio -1
    set key off
    set tics out
    cellfont = nmatrix <= 4 ? ",12" : ",9"
    do for [k = 1:nfields(matrices) / 5] {
        m = field(matrices, 5 * k - 4)
        set title titled(field(matrices, 5 * k - 3))
        set xlabel field(matrices, 5 * k - 2)
        set ylabel field(matrices, 5 * k - 1)
        set cblabel field(matrices, 5 * k)." (log scale)" offset 3, 0
        # a log colour scale over a single value is empty, and gnuplot then draws no points
        # (stats reads the one column as x: the plot's x range must not filter it)
        set xrange [*:*]
        set yrange [*:*]
        stats m.".dat" using 3 nooutput
        set xrange [-0.5 : nmatrix - 0.5]
        set yrange [-0.5 : nmatrix - 0.5]
        if (STATS_min < STATS_max) { set cbrange [*:*] } else { set cbrange [STATS_min / 1.5 : STATS_max * 1.5] }
        # within a decade a log scale has no labelled tick: label the minimum, middle and maximum
        if (STATS_max >= 1e4) { set format cb "%.3s %c" } else { set format cb "%.4g" }
        set cbtics (STATS_min, sqrt(STATS_min * STATS_max), STATS_max)
        set xtics () scale 0.5
        set ytics () scale 0.5
        do for [t in "svg pngcairo"] {
            if (t eq "svg") { set terminal svg size 900,800 dynamic background rgb "white" noenhanced; set output m.".svg" }
            else { set terminal pngcairo size 900,800 noenhanced; set output m.".png" }
            # the first, invisible layer labels every row and column, measured or not (a layer
            # that skips a NaN cell would drop its tick); small matrices (NUMA nodes, a few
            # CPUs) also print each cell's value
            if (nmatrix <= 8) {
                plot m.".dat" using 1:2:xtic(int($1) % step == 0 ? strcol(4) : ""):ytic(int($2) % step == 0 ? strcol(5) : "") with dots lc rgb "white", \
                     '' using 1:2:3 with image, \
                     '' using 1:2:(strcol(3) eq "NaN" ? "" : ($3 >= 1e4 ? gprintf("%.2s %c", $3) : sprintf("%.3g", $3))) with labels font cellfont tc rgb "black"
            } else {
                plot m.".dat" using 1:2:xtic(int($1) % step == 0 ? strcol(4) : ""):ytic(int($2) % step == 0 ? strcol(5) : "") with dots lc rgb "white", \
                     '' using 1:2:3 with image
            }
        }
    }
}
