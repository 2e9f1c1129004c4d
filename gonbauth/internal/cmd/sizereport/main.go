// Command sizereport shows what importing gonbauth costs a notebook cell:
// it builds the cell-like program in ./cell (sign in, call an API) and two
// references, an empty program (package main; func main(){}: the floor)
// and a cell that calls the same API with plain net/http, with the default
// flags and with -ldflags="-s -w", and prints the binary sizes and the
// non-standard-library packages each pulls in, grouped by module.
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
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

const (
	modulePath = "github.com/gonbauth/gonbauth"
	cellPkg    = modulePath + "/gonbauth/internal/cmd/sizereport/cell"
)

// program is one program to measure.
type program struct {
	name, dir, pkg string
	sizes          [2]int64 // default flags, -ldflags="-s -w"
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

func main() {
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

	env, err := goOutput(root, "env", "GOOS", "GOARCH", "CGO_ENABLED")
	if err != nil {
		return err
	}
	e := strings.Fields(env)
	fmt.Fprintf(w, "gonbauth size report: %s %s/%s, CGO_ENABLED=%s\n", goVersion, e[0], e[1], e[2])
	fmt.Fprintf(w, "gonbauth cell: %s (gonbauth.Login, then sess.Client().Get)\n", cellPkg)
	fmt.Fprintf(w, "net/http cell: the same API call with http.Get, no sign-in; empty main: func main() {}\n\n")
	printSizes(w, progs)
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
