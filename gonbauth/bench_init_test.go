package gonbauth

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkCellInit measures package initialisation in a cell program:
// internal/cmd/logincell (which imports gonbauth and finds a valid saved
// sign-in, made once against the fake) against internal/cmd/emptycell and
// the x/oauth2 cell of sizereport (internal/cmd/sizereport/oauth2cell, run
// without settings: it initialises, then fails at once), each run as a new
// process with GODEBUG=inittrace=1, in rotating order. The runtime prints one line per package initialiser that does
// work, with its wall-clock time; the benchmark adds them up per process.
//
//	init-ms/op             logincell: the sum of its initialisers (median)
//	empty-init-ms/op       emptycell: the same (median)
//	init-minus-empty-ms/op the difference of the two medians
//	oauth2-init-ms/op      the x/oauth2 cell: the same (median)
//	init-minus-oauth2-ms/op logincell's median minus the x/oauth2 cell's
//	init-allocs/op         logincell: allocations made by initialisers (median)
//
// The benchmark's log lists logincell's ten slowest initialisers (median
// over the iterations). ns/op is the mean of logincell's process time.
func BenchmarkCellInit(b *testing.B) {
	benchHermetic(b)
	cells := benchBuildCells(b)
	srv := benchFakeServer(b)
	b.StopTimer()
	dir := filepath.Join(b.TempDir(), "gonbauth")
	benchSignIn(b, srv, dir)
	env := append(cellEnv(srv.issuer, srv.clientID, dir), "GODEBUG=inittrace=1")
	var login, empty, oauth2 []time.Duration
	var allocs []float64
	byPkg := map[string][]time.Duration{}
	for i := 0; i < b.N; i++ {
		for k := range 3 {
			switch (i + k) % 3 {
			case 0:
				b.StartTimer()
				p := startProc(b, cells.login, env)
				p.wait(b)
				b.StopTimer()
				p.insideLogin(b) // it must have found the saved sign-in
				total, n, pkgs := benchInitTrace(b, p.errOut.String())
				login, allocs = append(login, total), append(allocs, float64(n))
				for pkg, d := range pkgs {
					byPkg[pkg] = append(byPkg[pkg], d)
				}
			case 1:
				p := startProc(b, cells.empty, env)
				p.wait(b)
				total, _, _ := benchInitTrace(b, p.errOut.String())
				empty = append(empty, total)
			case 2:
				p := startProc(b, cells.oauth2, env)
				p.cmd.Wait() // its exchange fails without settings, after initialisation
				p.kill.Stop()
				total, _, _ := benchInitTrace(b, p.errOut.String())
				oauth2 = append(oauth2, total)
			}
		}
	}
	b.ReportMetric(benchMedianMS(login), "init-ms/op")
	b.ReportMetric(benchMedianMS(empty), "empty-init-ms/op")
	b.ReportMetric(benchMedianMS(login)-benchMedianMS(empty), "init-minus-empty-ms/op")
	b.ReportMetric(benchMedianMS(oauth2), "oauth2-init-ms/op")
	b.ReportMetric(benchMedianMS(login)-benchMedianMS(oauth2), "init-minus-oauth2-ms/op")
	slices.Sort(allocs)
	b.ReportMetric(allocs[len(allocs)/2], "init-allocs/op")
	type pkgTime struct {
		pkg string
		ms  float64
	}
	var slow []pkgTime
	for pkg, ds := range byPkg {
		slow = append(slow, pkgTime{pkg, benchMedianMS(ds)})
	}
	slices.SortFunc(slow, func(a, c pkgTime) int {
		if a.ms > c.ms {
			return -1
		}
		if a.ms < c.ms {
			return 1
		}
		return strings.Compare(a.pkg, c.pkg)
	})
	if b.N == 1 {
		return // the warm-up run
	}
	var sb strings.Builder
	for _, s := range slow[:min(10, len(slow))] {
		sb.WriteString("\n  " + strconv.FormatFloat(s.ms, 'f', 3, 64) + " ms  " + s.pkg)
	}
	b.Logf("logincell's slowest initialisers (median ms over %d runs):%s", b.N, sb.String())
}

// benchInitTrace reads GODEBUG=inittrace=1 lines such as
//
//	init net/http @1.2 ms, 0.021 ms clock, 5432 bytes, 45 allocs
//
// and returns their total clock time and allocations, and the time by
// package.
func benchInitTrace(tb testing.TB, stderr string) (time.Duration, int, map[string]time.Duration) {
	var total time.Duration
	allocs := 0
	pkgs := map[string]time.Duration{}
	for _, line := range strings.Split(stderr, "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || f[0] != "init" || f[6] != "clock," {
			continue
		}
		ms, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			tb.Fatalf("inittrace line %q: %v", line, err)
		}
		d := time.Duration(ms * float64(time.Millisecond))
		total += d
		pkgs[f[1]] += d
		n, _ := strconv.Atoi(f[9])
		allocs += n
	}
	return total, allocs, pkgs
}
