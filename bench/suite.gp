# bench/suite.sh's plot: gnuplot -e "dir='OUT'; cores=N" bench/suite.gp
# Left: trivial tasks/s against workers; middle: the uneven map's speedup;
# right: how far past its target each goal is (ratio/target for the ">="
# goals, target/ratio for the "<=" ones): above 1 is met.
set terminal pngcairo size 1500,560 font ",10"
set output dir.'/suite.png'
set termoption noenhanced
set datafile missing '?'
set multiplot layout 1,3 title sprintf('rankpool benchmark suite (%d cores; dashed: the core count)', cores)
# The keys go under the plots, where they cannot hide a curve.
set key below horizontal maxcols 2
set grid
set xlabel 'workers'
set xtics 1
set arrow 1 from cores, graph 0 to cores, graph 1 nohead dashtype 2
set title 'trivial tasks'
set ylabel 'tasks/s'
set logscale y
plot dir.'/scaling.dat' using 1:2 with linespoints title 'rankpool map default', \
     '' using 1:3 with linespoints title 'rankpool map chunk 1', \
     '' using 1:4 with linespoints title 'rankpool apply_async', \
     '' using 1:5 with linespoints title 'hand-written farm'
unset logscale y
set title 'uneven primes map: speedup over serial C'
set ylabel 'speedup'
set yrange [0:*]
plot dir.'/scaling.dat' using 1:6 with linespoints title 'rankpool', \
     '' using 1:7 with linespoints title 'farm', \
     '' using 1:8 with linespoints title 'OpenMP dynamic', \
     '' using 1:($1 < cores ? $1 : cores) with lines dashtype 3 title 'ideal'
unset arrow 1
set title 'goals: past the target above 1'
set ylabel 'measured vs target'
set xlabel ''
set logscale y
set yrange [*:*]
set style fill solid 0.6
set boxwidth 0.6
set xtics rotate by 30 right
set key off
plot dir.'/ratios.dat' using 0:4:xtic(1) with boxes, 1 with lines dashtype 2
unset multiplot
