// Command sizereport shows what importing gonbauth costs a notebook cell:
// it builds the cell-like program in ./cell (sign in, call an API) and
// three references, an empty program (package main; func main(){}: the
// floor), a cell that calls the same API with plain net/http, and ./oauth2cell
// (the same with golang.org/x/oauth2 alone: exchange a code, call the API),
// with the default flags and with -ldflags="-s -w", and prints
//
//   - the binary sizes, and the link time of each build: the duration of
//     the link action in `go build -debug-trace`, median [min-max] over
//     -links builds, interleaved across the programs; every build passes a
//     new -X main.linkNonce=..., so the linker runs each time while every
//     package comes from the build cache (as in GoNB, which relinks every
//     cell);
//   - the size of each package in the gonbauth cell (its ELF symbols that
//     occupy the file, grouped by the package in their name; "(runtime
//     tables)" is what no package names, such as go:* symbols; the
//     pclntab and DWARF sections are not symbols and are not attributed),
//     and what each adds over the x/oauth2 cell;
//   - the non-standard-library packages each program pulls in, grouped by
//     module.
//
// Run it from anywhere inside the gonbauth module (make bench does):
//
//	go run ./gonbauth/internal/cmd/sizereport
//
// It writes only to a temporary directory, which it removes, and needs no
// network: the module's dependencies must already be in the module cache
// (as for go build).
//
// The unstripped sizes of the two reference programs vary by a few bytes
// from run to run: the binaries record their source path, which is in a
// new temporary directory each time.
package main

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

const (
	modulePath = "github.com/gonbauth/gonbauth"
	cellPkg    = modulePath + "/gonbauth/internal/cmd/sizereport/cell"
)

// program is one program to measure.
type program struct {
	name, dir, pkg string
	sizes          [2]int64           // default flags, -ldflags="-s -w"
	links          [2][]time.Duration // link action of each build, per build mode
	pkgSizes       map[string]int64   // bytes by package, default flags
	stdPkgs        int
	deps           []dep // non-standard packages, without the program's own
}

// dep is a non-standard package and the module that provides it.
type dep struct{ importPath, module, version string }

// buildModes are the two builds of every program.
var buildModes = []struct {
	label string
	flags []string
}{
	{"default", nil},
	{`-ldflags="-s -w"`, []string{"-ldflags=-s -w"}},
}

// links is how many times each program is linked per build mode.
var links = flag.Int("links", 5, "links per program and build mode, for the link time")

// topPackages is how many packages the attribution tables list.
var topPackages = flag.Int("top", 25, "packages listed in the size attribution")

func main() {
	flag.Parse()
	// The report is written once run has removed its temporary directory,
	// so that a closed stdout (| head) cannot leave the directory behind.
	var report bytes.Buffer
	err := run(&report)
	os.Stdout.Write(report.Bytes())
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizereport:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gonbauth-sizereport-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	goVersion, err := goOutput(root, "env", "GOVERSION")
	if err != nil {
		return err
	}
	progs := []*program{
		{name: "empty main", dir: filepath.Join(tmp, "empty"), pkg: "."},
		{name: "net/http cell", dir: filepath.Join(tmp, "nethttp"), pkg: "."},
		{name: "x/oauth2 cell", dir: root, pkg: "./gonbauth/internal/cmd/sizereport/oauth2cell"},
		{name: "gonbauth cell", dir: root, pkg: "./gonbauth/internal/cmd/sizereport/cell"},
	}
	for i, src := range []string{emptySource, netHTTPSource} {
		if err := writeModule(progs[i].dir, strings.TrimPrefix(goVersion, "go"), src); err != nil {
			return err
		}
	}
	for _, p := range progs {
		if err := measure(p, tmp); err != nil {
			return err
		}
	}
	if err := linkTimes(progs, tmp); err != nil {
		return err
	}

	env, err := goOutput(root, "env", "GOOS", "GOARCH", "CGO_ENABLED")
	if err != nil {
		return err
	}
	e := strings.Fields(env)
	fmt.Fprintf(w, "gonbauth size report: %s %s/%s, CGO_ENABLED=%s\n", goVersion, e[0], e[1], e[2])
	fmt.Fprintf(w, "gonbauth cell: %s (gonbauth.Login, then sess.Client().Get)\n", cellPkg)
	fmt.Fprintf(w, "net/http cell: the same API call with http.Get, no sign-in; empty main: func main() {}\n")
	fmt.Fprintf(w, "x/oauth2 cell: %s/gonbauth/internal/cmd/sizereport/oauth2cell (x/oauth2 alone: Exchange, then conf.Client().Get)\n\n", modulePath)
	printSizes(w, progs)
	fmt.Fprintln(w)
	printLinks(w, progs)
	fmt.Fprintln(w)
	printAttribution(w, progs[len(progs)-1], progs[len(progs)-2])
	fmt.Fprintln(w)
	for _, p := range progs {
		printDeps(w, p)
	}
	return nil
}

// moduleRoot finds the gonbauth module's root from the working directory.
func moduleRoot() (string, error) {
	gomod, err := goOutput("", "env", "GOMOD")
	if err != nil {
		return "", err
	}
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run this from the gonbauth repository")
	}
	root := filepath.Dir(gomod)
	mod, err := goOutput(root, "list", "-m")
	if err != nil {
		return "", err
	}
	if mod != modulePath {
		return "", fmt.Errorf("the module at %s is %q, not %s: run this from the gonbauth repository", root, mod, modulePath)
	}
	return root, nil
}

// The reference programs, each built in a module of its own with no
// dependencies.
const (
	// emptySource is the floor: the Go runtime alone.
	emptySource = "package main\n\nfunc main() {}\n"
	// netHTTPSource calls the API as the cell does, without signing in:
	// what a cell pays for net/http and crypto/tls anyway.
	netHTTPSource = `package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get(os.Getenv("API_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	io.Copy(os.Stdout, resp.Body)
}
`
)

// writeModule writes a one-file module in dir.
func writeModule(dir, goVersion, source string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	gomod := fmt.Sprintf("module sizereport.example/%s\n\ngo %s\n", filepath.Base(dir), goVersion)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.go"), []byte(source), 0o644)
}

// measure builds p both ways and lists its packages.
func measure(p *program, tmp string) error {
	for i, m := range buildModes {
		out := filepath.Join(tmp, fmt.Sprintf("bin-%s-%d", strings.ReplaceAll(p.name, " ", "-"), i))
		args := append([]string{"build", "-o", out}, m.flags...)
		if _, err := goOutput(p.dir, append(args, p.pkg)...); err != nil {
			return err
		}
		fi, err := os.Stat(out)
		if err != nil {
			return err
		}
		p.sizes[i] = fi.Size()
		if i == 0 {
			if p.pkgSizes, err = packageSizes(out); err != nil {
				return err
			}
		}
	}
	// The same as go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}',
	// with the module of each package, and the standard packages counted.
	list, err := goOutput(p.dir, "list", "-deps",
		"-f", "{{.Standard}}\t{{.ImportPath}}\t{{with .Module}}{{.Path}}\t{{.Version}}{{end}}", p.pkg)
	if err != nil {
		return err
	}
	self, err := goOutput(p.dir, "list", "-f", "{{.ImportPath}}", p.pkg)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		switch {
		case f[0] == "true":
			p.stdPkgs++
		case f[1] == self:
			// the program itself
		default:
			d := dep{importPath: f[1]}
			if len(f) >= 4 {
				d.module, d.version = f[2], f[3]
			}
			p.deps = append(p.deps, d)
		}
	}
	return sc.Err()
}

func printSizes(w io.Writer, progs []*program) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "program\t")
	for _, m := range buildModes {
		fmt.Fprintf(tw, "%s\t", m.label)
	}
	fmt.Fprintf(tw, "non-std packages\tmodules\tstd packages\n")
	for _, p := range progs {
		fmt.Fprintf(tw, "%s\t", p.name)
		for _, s := range p.sizes {
			fmt.Fprintf(tw, "%s\t", size(s))
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\n", len(p.deps), len(modules(p.deps)), p.stdPkgs)
	}
	// The last program against each reference.
	cell := progs[len(progs)-1]
	for _, ref := range progs[:len(progs)-1] {
		fmt.Fprintf(tw, "%s - %s\t", cell.name, ref.name)
		for i := range buildModes {
			fmt.Fprintf(tw, "+%s\t", size(cell.sizes[i]-ref.sizes[i]))
		}
		fmt.Fprintf(tw, "\t\t\n")
	}
	tw.Flush()
	fmt.Fprintln(w, "(non-std packages do not count the program's own package; 1 MiB = 1,048,576 bytes)")
}

// size formats a byte count as MiB with the exact figure beside it.
func size(n int64) string {
	return fmt.Sprintf("%.2f MiB (%s B)", float64(n)/(1<<20), commas(n))
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// modules groups deps by module, in order of module path.
func modules(deps []dep) map[string][]dep {
	m := map[string][]dep{}
	for _, d := range deps {
		m[d.module] = append(m[d.module], d)
	}
	return m
}

func printDeps(w io.Writer, p *program) {
	byMod := modules(p.deps)
	fmt.Fprintf(w, "%s: %d non-standard packages in %d modules\n", p.name, len(p.deps), len(byMod))
	names := make([]string, 0, len(byMod))
	for mod := range byMod {
		names = append(names, mod)
	}
	slices.Sort(names)
	for _, mod := range names {
		ds := byMod[mod]
		label := mod + " " + ds[0].version
		switch {
		case mod == modulePath:
			label = mod + " (this module)"
		case mod == "":
			label = "(no module)"
		}
		fmt.Fprintf(w, "  %2d  %s\n", len(ds), label)
		slices.SortFunc(ds, func(a, b dep) int { return strings.Compare(a.importPath, b.importPath) })
		for _, d := range ds {
			fmt.Fprintf(w, "          %s\n", d.importPath)
		}
	}
	fmt.Fprintln(w)
}

// goOutput runs the go command in dir ("" for the working directory) and
// returns its trimmed stdout; its error includes stderr.
func goOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	// The empty module must not be pulled into a workspace.
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), displayDir(dir), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func displayDir(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

// linkTimes links every program -links times per build mode, interleaved,
// and records the link action's duration from go build's trace.
func linkTimes(progs []*program, tmp string) error {
	trace := filepath.Join(tmp, "trace.json")
	for n := range *links {
		for _, p := range progs {
			for i, m := range buildModes {
				ld := fmt.Sprintf("-X main.linkNonce=%d", n)
				if len(m.flags) > 0 {
					ld = "-s -w " + ld
				}
				out := filepath.Join(tmp, "bin-link")
				if _, err := goOutput(p.dir, "build", "-o", out, "-ldflags="+ld, "-debug-trace="+trace, p.pkg); err != nil {
					return err
				}
				d, err := linkAction(trace)
				if err != nil {
					return fmt.Errorf("%s: %w", p.name, err)
				}
				p.links[i] = append(p.links[i], d)
			}
		}
	}
	return nil
}

// linkAction reads the link action's duration from a go build trace.
func linkAction(trace string) (time.Duration, error) {
	b, err := os.ReadFile(trace)
	if err != nil {
		return 0, err
	}
	var events []struct {
		Name string  `json:"name"`
		Ph   string  `json:"ph"`
		Ts   float64 `json:"ts"` // microseconds
	}
	if err := json.Unmarshal(b, &events); err != nil {
		return 0, fmt.Errorf("reading go build's trace: %w", err)
	}
	var begin, end float64
	for _, e := range events {
		if !strings.HasPrefix(e.Name, "Executing action (link ") {
			continue
		}
		switch e.Ph {
		case "B":
			begin = e.Ts
		case "E":
			end = e.Ts
		}
	}
	if begin == 0 || end < begin {
		return 0, errors.New("no link action in go build's trace")
	}
	return time.Duration((end - begin) * float64(time.Microsecond)), nil
}

func printLinks(w io.Writer, progs []*program) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "link time (ms), median [min-max] of %d\t", *links)
	for _, m := range buildModes {
		fmt.Fprintf(tw, "%s\t", m.label)
	}
	fmt.Fprintln(tw)
	for _, p := range progs {
		fmt.Fprintf(tw, "%s\t", p.name)
		for i := range buildModes {
			fmt.Fprintf(tw, "%s\t", spread(p.links[i]))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// spread formats durations as median [min-max] in milliseconds.
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return "-"
	}
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	return fmt.Sprintf("%s [%s-%s]", ms(med), ms(s[0]), ms(s[len(s)-1]))
}

// packageSizes adds up the sizes of the binary's ELF symbols that occupy
// the file (not .bss/.noptrbss), by package. Other formats are not read:
// the attribution is then empty.
func packageSizes(bin string) (map[string]int64, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return map[string]int64{}, nil // not ELF: no attribution
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("reading the symbols of %s: %w", bin, err)
	}
	sizes := map[string]int64{}
	for _, sym := range syms {
		i := int(sym.Section)
		if sym.Section >= elf.SHN_LORESERVE || i >= len(f.Sections) || f.Sections[i].Type == elf.SHT_NOBITS || sym.Size == 0 {
			continue
		}
		sizes[symbolPackage(sym.Name)] += int64(sym.Size)
	}
	return sizes, nil
}

// symbolPackage is the import path in a symbol name such as
// "github.com/a/b.(*T).M", "type:*net/http.Client" or "go:string.*".
func symbolPackage(sym string) string {
	for _, p := range []string{"type:", "go:itab.", "*"} {
		sym = strings.TrimPrefix(sym, p)
	}
	if strings.HasPrefix(sym, "go:") || strings.HasPrefix(sym, "runtime.") && !strings.Contains(sym, "/") {
		if strings.HasPrefix(sym, "runtime.") {
			return "runtime"
		}
		return "(runtime tables)"
	}
	slash := strings.LastIndex(sym, "/")
	if slash < 0 {
		slash = 0
	}
	dot := strings.Index(sym[slash:], ".")
	if dot < 0 {
		return "(runtime tables)"
	}
	pkg := sym[:slash+dot]
	if strings.ContainsAny(pkg, " [(,;") {
		return "(runtime tables)" // generic instantiations and the like
	}
	return pkg
}

// printAttribution lists the largest packages of cell, and what each
// package adds over ref.
func printAttribution(w io.Writer, cell, ref *program) {
	type row struct {
		pkg         string
		size, delta int64
	}
	var rows []row
	var total, totalDelta int64
	for pkg, n := range cell.pkgSizes {
		rows = append(rows, row{pkg, n, n - ref.pkgSizes[pkg]})
		total += n
		totalDelta += n - ref.pkgSizes[pkg]
	}
	for pkg, n := range ref.pkgSizes {
		if _, ok := cell.pkgSizes[pkg]; !ok {
			rows = append(rows, row{pkg, 0, -n})
			totalDelta -= n
		}
	}
	fmt.Fprintf(w, "%s, default flags: bytes by package (ELF symbols: %s of the file's %s; the rest is mostly pclntab and DWARF)\n",
		cell.name, commas(total), commas(cell.sizes[0]))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	slices.SortFunc(rows, func(a, b row) int { return int(b.size - a.size) })
	for _, r := range rows[:min(*topPackages, len(rows))] {
		fmt.Fprintf(tw, "%s\t%s\t\n", r.pkg, commas(r.size))
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s - %s: bytes added, by package (%s in all)\n", cell.name, ref.name, commas(totalDelta))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	slices.SortFunc(rows, func(a, b row) int { return int(b.delta - a.delta) })
	for _, r := range rows[:min(*topPackages, len(rows))] {
		fmt.Fprintf(tw, "%s\t%+d\t\n", r.pkg, r.delta)
	}
	tw.Flush()
}
