# history.gp: one series over its runs, with its regimes and change points (pinbench history show).
# Run as `gnuplot -c history.gp DAT OUT TITLE METRIC UNIT` in the folder of the data: every value
# arrives as an argument string and is used as data, never evaluated.
#   DAT: index 0 the runs (run number, value, CI low, CI high, start date), index 1 each regime's
#   median as a segment, index 2 the change points (position, change in %, and the two ends of
#   the runs their change may lie in, 90 % of its posterior probability).
set termoption noenhanced
set encoding utf8
dat = ARG1
out = ARG2
title = ARG3
metric = ARG4
unit = ARG5
stats dat index 0 using 3 nooutput
ylo = STATS_min
stats dat index 0 using 4 nooutput
yhi = STATS_max
stats dat index 0 using 2 nooutput
# a time axis reads in ns, us, ms or s (never 1e+06); a ratio or a count as it is
ts = 1
tu = unit
if (unit eq "ns" && STATS_max >= 1e9) { ts = 1e9; tu = "s" }
if (unit eq "ns" && STATS_max >= 1e6 && STATS_max < 1e9) { ts = 1e6; tu = "ms" }
if (unit eq "ns" && STATS_max >= 1e3 && STATS_max < 1e6) { ts = 1e3; tu = "us" }
set title title."\nE-Divisive means: regimes (median, dashed), change points (vertical lines) and where each may lie (90 %, shaded)"
set xlabel "run (oldest first)"
# "real_time_ns" in us reads "real_time (us)"
shown = (unit eq "ns" && strlen(metric) > 3 && metric[strlen(metric) - 2:] eq "_ns") ? metric[1:strlen(metric) - 3] : metric
set ylabel sprintf("%s (%s)", shown, tu)
set format y "%g"
set grid ytics
set key top left font ",9"
set offsets 0.5, 0.5, 0, 0
nruns = STATS_records
set xrange [0.5 : nruns + 0.5]
set xtics 1
if (nruns > 30) { set xtics int(nruns / 15) }
do for [t in "svg pngcairo"] {
    if (t eq "svg") { set terminal svg size 1100,550 dynamic background rgb "white" noenhanced; set output out.".svg" }
    else { set terminal pngcairo size 1100,550 noenhanced; set output out.".png" }
    plot dat index 2 using (($3+$4)/2):((ylo+yhi)/2/ts):(($4-$3)/2):((yhi-ylo)/2/ts) with boxxyerror fs transparent solid 0.15 noborder lc rgb "#2ca02c" title "change point's 90 % range", \
         dat index 0 using 1:($2/ts):($3/ts):($4/ts) with yerrorbars pt 7 ps 0.6 lc rgb "#1f77b4" title "run value, 95 % CI", \
         dat index 1 using 1:($2/ts) with lines dt 2 lw 2 lc rgb "#d62728" title "regime median", \
         dat index 2 using 1:(ylo/ts):(0):((yhi - ylo)/ts) with vectors nohead lc rgb "#2ca02c" lw 2 title "change point"
}
