# pinbench compare: time per op of every variant, run B over run A, with the 95 % CI, one
# panel line per compared run. Run as `gnuplot -c compare.gp DAT OUT NBLOCKS` in the folder of
# the data: the arguments are read as strings, never evaluated.
set termoption noenhanced
dat = ARG1
out = ARG2
nblocks = int(ARG3)
set encoding utf8
set logscale y
set grid ytics
set ylabel "time per op, B / A (log scale; below 1: B faster)"
set xtics rotate by -60 font ",7" noenhanced
set key top left
set offsets 0.5, 0.5, 0, 0
set title "pinbench compare: did each variant's time per op change between the runs?\nmedian time per op of each run B over run A (the first folder given), 95 % bootstrap CI; the folders (results/<host>/<stamp>) in the key"
set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb "black" dt 2
colors = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b"
do for [t in "svg pngcairo"] {
    if (t eq "svg") { set terminal svg size 1400,700 dynamic background rgb "white" noenhanced; set output out.".svg" }
    else { set terminal pngcairo size 1400,700 noenhanced; set output out.".png" }
    plot for [i=0:nblocks-1] dat index i using ($1 + 0.15 * i):3:4:5:xtic(2) with yerrorbars pt 7 ps 0.6 lc rgb word(colors, i % 6 + 1) title columnheader(1)
}
