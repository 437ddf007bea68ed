# family.gp: one experiment family's plots from the data files pinbench wrote.
# Variables (gnuplot -e): medians, cdf (data files), ncdf (blocks in cdf), out (path prefix),
# family, metric, unit.
set termoption noenhanced
set encoding utf8

# Medians over repetitions with their 95 % bootstrap CI, one bar per variant.
set style fill solid 0.35 border
set boxwidth 0.6
set grid ytics
set xtics rotate by -35 left
set yrange [0:*]
set ylabel sprintf("%s (%s), median over repetitions", metric, unit)
set title sprintf("%s: %s per variant, 95%% bootstrap CI", family, metric)
set key off
set bmargin 9
do for [t in "svg pngcairo"] {
    if (t eq "svg") { set terminal svg size 1000,600 dynamic background rgb "white" noenhanced; set output out.".medians.svg" }
    else { set terminal pngcairo size 1000,600 noenhanced; set output out.".medians.png" }
    plot medians using 1:3:xtic(2) with boxes lc rgb "#4477aa", \
         ''      using 1:3:4:5 with yerrorbars lc rgb "black" pt 0
}

# Latency CDFs of the op metric, log time axis.
colors = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #000000 #aec7e8 #ffbb78 #98df8a #ff9896 #c5b0d5"
if (ncdf > 0) {
    reset
    set termoption noenhanced
    set logscale x
    set grid
    set xlabel "op latency (ns, log scale)"
    set ylabel "cumulative fraction of operations"
    set yrange [0:1]
    set key bottom right font ",9"
    set title sprintf("%s: op latency CDF per variant", family)
    do for [t in "svg pngcairo"] {
        if (t eq "svg") { set terminal svg size 1000,600 dynamic background rgb "white" noenhanced; set output out.".cdf.svg" }
        else { set terminal pngcairo size 1000,600 noenhanced; set output out.".cdf.png" }
        plot for [i=0:ncdf-1] cdf index i using 1:2 with steps lw 2 lc rgb word(colors, i%16+1) title columnheader(1)
    }
}
