package docs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"
)

// The docs test reads README.md and docs/*.md as a newcomer would and runs every shell
// block (```sh, ```bash) with bash, in order, one shell session per file, against the
// binaries built from this checkout. What it does, and the markers a block may carry,
// is written up for the people who write the docs in docs/development.md ("The docs
// test"); keep the two in step.

const (
	// blockTimeout bounds one foreground block; the longest wait in the docs is a
	// server's start under `go run`, which may have to link the binary.
	blockTimeout = 60 * time.Second
	// readyTimeout bounds the wait for a background block's wait= URL.
	readyTimeout = 60 * time.Second
	// stopTimeout is how long a background block gets to end after SIGTERM.
	stopTimeout = 10 * time.Second
	// readmeMaxLines keeps the README a page a newcomer reads; the reference is in docs/.
	readmeMaxLines = 200
)

// docHTTPPort and docGRPCPort are the ports of the defaults: a server started without flags listens on
// them and forsokctl and forsokd backup dial them. The test moves them to free ports
// through the FORSOK_* variables, and checks that the binaries' defaults are still
// these (checkDefaults), so that the docs cannot drift from the code unnoticed.
const (
	docHTTPPort = "8080"
	docGRPCPort = "9090"
)

var (
	fenceRE    = regexp.MustCompile("^(\\s*)(```+|~~~+)\\s*([^\\s`]*)\\s*$")
	markerRE   = regexp.MustCompile(`^\s*<!--\s*docs-test:\s*(.*?)\s*-->\s*$`)
	localRE    = regexp.MustCompile(`localhost:([0-9]{2,5})`)
	linkRE     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRE  = regexp.MustCompile(`^#{1,6}\s+(.+?)\s*#*\s*$`)
	shellLangs = []string{"sh", "bash", "shell"}
	// Languages that look like shell but would not be run: refused, so that a
	// walk-through cannot slip past the test by its fence.
	refusedLangs = []string{"console", "zsh", "shell-session", "shellsession"}
)

// block is one fenced code block.
type block struct {
	file string // relative to the repository root
	line int    // of the opening fence, 1-based
	lang string
	text string // the content, the fence's indentation removed
	marker
}

func (b block) String() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

func (b block) shell() bool { return slices.Contains(shellLangs, b.lang) }

// marker is what an HTML comment `<!-- docs-test: ... -->` on the line before a block
// says about it.
type marker struct {
	skip       string   // the reason the block is not run; empty: it is run
	background bool     // started, left running until the file's end, then stopped
	wait       string   // after starting a background block, poll this URL until 200
	inRepo     bool     // run at the repository root instead of the work directory
	needs      []string // commands the block needs; without them it is skipped, logged
	httpError  bool     // shows an HTTP error on purpose: curl's exit status 22 is no failure
}

// parseMarker reads the words after "docs-test:".
func parseMarker(s string) (marker, error) {
	var m marker
	if rest, ok := strings.CutPrefix(s, "skip"); ok {
		m.skip = strings.TrimSpace(strings.TrimLeft(rest, ":—- "))
		if m.skip == "" {
			return m, errors.New("skip needs a reason: <!-- docs-test: skip: why it cannot run here -->")
		}
		return m, nil
	}
	for _, w := range strings.Fields(s) {
		k, v, _ := strings.Cut(w, "=")
		switch {
		case w == "background":
			m.background = true
		case w == "in-repo":
			m.inRepo = true
		case w == "http-error":
			m.httpError = true
		case k == "wait" && v != "":
			m.wait = v
		case k == "needs" && v != "":
			m.needs = append(m.needs, strings.Split(v, ",")...)
		default:
			return m, fmt.Errorf("unknown docs-test word %q: want skip: REASON, or background, wait=URL, in-repo, needs=COMMAND, http-error", w)
		}
	}
	if m.wait != "" && !m.background {
		return m, errors.New("wait= is for background blocks")
	}
	return m, nil
}

// parseBlocks returns the fenced blocks of a Markdown file. A block's fence must name
// its language, and a marker must stand right before a shell block.
func parseBlocks(file, content string) ([]block, []error) {
	var (
		blocks  []block
		errs    []error
		pending *marker
		pendAt  int
		open    *block
		fence   string
		indent  string
		body    []string
	)
	lines := strings.Split(content, "\n")
	for i, line := range lines {
		n := i + 1
		if open != nil {
			if t := strings.TrimSpace(line); strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				open.text = strings.Join(body, "\n") + "\n"
				blocks = append(blocks, *open)
				open = nil
				continue
			}
			body = append(body, strings.TrimPrefix(line, indent))
			continue
		}
		if m := markerRE.FindStringSubmatch(line); m != nil {
			if pending != nil {
				errs = append(errs, fmt.Errorf("%s:%d: a docs-test marker with no block after it", file, pendAt))
			}
			mk, err := parseMarker(m[1])
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %w", file, n, err))
			}
			pending, pendAt = &mk, n
			continue
		}
		if f := fenceRE.FindStringSubmatch(line); f != nil {
			open = &block{file: file, line: n, lang: strings.ToLower(f[3])}
			indent, fence, body = f[1], f[2], nil
			switch {
			case open.lang == "":
				errs = append(errs, fmt.Errorf("%s:%d: the block names no language: sh or bash to run it, text, json, go … for the rest", file, n))
			case slices.Contains(refusedLangs, open.lang):
				errs = append(errs, fmt.Errorf("%s:%d: ```%s is not run by the docs test: write ```sh with the commands alone", file, n, open.lang))
			}
			if pending != nil {
				if !open.shell() {
					errs = append(errs, fmt.Errorf("%s:%d: a docs-test marker before a ```%s block, which is never run", file, pendAt, open.lang))
				}
				open.marker, pending = *pending, nil
			}
			continue
		}
		if pending != nil && strings.TrimSpace(line) != "" {
			errs = append(errs, fmt.Errorf("%s:%d: a docs-test marker must stand right before its block", file, pendAt))
			pending = nil
		}
	}
	if open != nil {
		errs = append(errs, fmt.Errorf("%s:%d: the block is never closed", file, open.line))
	}
	if pending != nil {
		errs = append(errs, fmt.Errorf("%s:%d: a docs-test marker with no block after it", file, pendAt))
	}
	return blocks, errs
}

// expectations are the texts a block's comments say it prints: in a comment, each
// text after an arrow, `# the history → "action":"submit"`, up to the next arrow.
func expectations(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		comment := ""
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			comment = line
		} else if i := strings.Index(line, " #"); i >= 0 {
			comment = line[i:]
		}
		parts := strings.Split(comment, "→")
		for _, p := range parts[min(1, len(parts)):] {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// squeeze drops all white space: protojson puts a space after a colon in some builds
// and not in others, so `"state":"SUBMITTED"` is compared without it.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// docFiles are the files whose blocks are run, relative to the repository root.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		out = append(out, rel)
	}
	return out
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the repository root %s has no go.mod: %v", root, err)
	}
	return root
}

func readBlocks(t *testing.T, root, file string) []block {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	blocks, errs := parseBlocks(file, string(raw))
	for _, err := range errs {
		t.Error(err)
	}
	return blocks
}

// TestMarkdown checks, without running anything, that every block names its language
// and every marker is well-formed and placed, so that `go test -short` still finds a
// block the full test would not run.
func TestMarkdown(t *testing.T) {
	root := repoRoot(t)
	shells := 0
	for _, file := range docFiles(t, root) {
		for _, b := range readBlocks(t, root, file) {
			if b.shell() {
				shells++
			}
		}
	}
	if shells == 0 {
		t.Fatal("no shell blocks found: is the test reading the right files?")
	}
}

// TestREADMEIsShort keeps the README to one page: what forsok is, the two commands,
// the quick starts and links; the reference belongs in docs/.
func TestREADMEIsShort(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte("\n")); n >= readmeMaxLines {
		t.Errorf("README.md has %d lines, want fewer than %d: move reference material to docs/", n, readmeMaxLines)
	}
}

// TestLinks checks every relative link of the docs: the file exists and, for a link
// into a Markdown file, the heading its #anchor names (GitHub's anchors).
func TestLinks(t *testing.T) {
	root := repoRoot(t)
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		a := map[string]bool{}
		if raw, err := os.ReadFile(path); err == nil {
			for _, h := range headings(string(raw)) {
				a[slug(h)] = true
			}
		}
		anchors[path] = a
		return a
	}
	for _, file := range docFiles(t, root) {
		raw, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range proseLines(string(raw)) {
			for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				full := filepath.Join(root, filepath.Dir(file), path)
				if path == "" {
					full = filepath.Join(root, file)
				}
				if _, err := os.Stat(full); err != nil {
					t.Errorf("%s:%d: link %s: %v", file, n, target, err)
					continue
				}
				if anchor != "" && strings.HasSuffix(full, ".md") && !anchorsOf(full)[anchor] {
					t.Errorf("%s:%d: link %s: %s has no heading with anchor #%s", file, n, target, path, anchor)
				}
			}
		}
	}
}

// proseLines maps line numbers to the lines outside fenced blocks.
func proseLines(content string) map[int]string {
	out := map[int]string{}
	fence := ""
	for i, line := range strings.Split(content, "\n") {
		f := fenceRE.FindStringSubmatch(line)
		switch {
		case fence == "" && f != nil:
			fence = f[2]
		case fence != "" && strings.HasPrefix(strings.TrimSpace(line), fence) && strings.Trim(strings.TrimSpace(line), fence[:1]) == "":
			fence = ""
		case fence == "":
			out[i+1] = line
		}
	}
	return out
}

func headings(content string) []string {
	var out []string
	for _, line := range proseLines(content) {
		if m := headingRE.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// slug is GitHub's anchor of a heading: lower case, punctuation dropped, spaces to
// hyphens.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// TestShellBlocks runs the walk-throughs. Each file is one shell session in a work
// directory of its own with its own ports, so the files run in parallel.
func TestShellBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and runs the docs' commands; TestMarkdown checks the blocks without running them")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("the docs' blocks are run with bash:", err)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the docs' REST examples use curl:", err)
	}
	root := repoRoot(t)
	env := newTestEnv(t, root)
	for _, file := range docFiles(t, root) {
		blocks := readBlocks(t, root, file)
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, env, blocks)
			for _, b := range blocks {
				if !b.shell() {
					continue
				}
				if !s.run(b) {
					break // later blocks build on this one
				}
			}
			s.stop()
		})
	}
}

// testEnv is what every session shares: the binaries, built once, and the environment.
type testEnv struct {
	root string
	bin  string
	base []string // the environment of every block, before the session's own
	// curlHome holds the .curlrc of every block but http-error ones, which get
	// plainCurlHome's empty one; curl reads the first .curlrc it finds, so neither
	// reads the user's own.
	curlHome, plainCurlHome string
	// ports hands out free ports, never the same twice in one run.
	ports struct {
		sync.Mutex
		used map[int]bool
	}
}

func newTestEnv(t *testing.T, root string) *testEnv {
	t.Helper()
	e := &testEnv{root: root, bin: t.TempDir()}
	e.ports.used = map[int]bool{}
	// curl fails on an HTTP error status, so that a REST call the server refuses
	// fails its block; without this `curl -s` exits 0 on a 401. The docs' own curl
	// commands stay as a reader types them.
	e.curlHome, e.plainCurlHome = t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(e.curlHome, ".curlrc"), []byte("fail-with-body\nshow-error\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.plainCurlHome, ".curlrc"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "FORSOK_") || k == "GOBIN" || k == "CURL_HOME" || k == "PATH" || k == "WEBHOOK_SECRET" {
			continue
		}
		e.base = append(e.base, kv)
	}
	e.base = append(e.base, "GOBIN="+e.bin, "PATH="+e.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	// Built once for every file: the README's `go install ./cmd/...` then finds them
	// up to date, and the other files use them as a reader who followed it would.
	start := time.Now()
	cmd := exec.Command("go", "install", "./cmd/...")
	cmd.Dir, cmd.Env = root, e.base
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/...: %v\n%s", err, out)
	}
	t.Logf("built the binaries in %s", time.Since(start).Round(time.Millisecond))
	e.checkDefaults(t)
	return e
}

// checkDefaults makes sure the binaries' defaults are the ports the docs show: the
// test replaces them through the environment, which would hide a changed default.
func (e *testEnv) checkDefaults(t *testing.T) {
	t.Helper()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"forsokd", "-h"}, []string{`"localhost:` + docHTTPPort + `"`, `"localhost:` + docGRPCPort + `"`}},
		{[]string{"forsokd", "help", "backup"}, []string{`"http://localhost:` + docHTTPPort + `"`}},
		{[]string{"forsokctl", "-h"}, []string{"default localhost:" + docGRPCPort}},
	} {
		out, err := exec.Command(filepath.Join(e.bin, c.args[0]), c.args[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c.args, " "), err, out)
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: the default is no longer %s, which the docs show: update the docs and this test\n%s", strings.Join(c.args, " "), w, out)
			}
		}
	}
}

// freePort returns a port nothing listens on, nor was handed out before.
func (e *testEnv) freePort(t *testing.T) int {
	t.Helper()
	e.ports.Lock()
	defer e.ports.Unlock()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for range 100 {
		l, err := net.Listen("tcp", "localhost:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, l) // held, so that the next try gets another port
		p := l.Addr().(*net.TCPAddr).Port
		if !e.ports.used[p] {
			e.ports.used[p] = true
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// session is one file's shell session: a work directory, the ports and the shell
// variables the blocks so far have set.
type session struct {
	t     *testing.T
	env   *testEnv
	work  string // the blocks' working directory, as the repository root is a reader's
	state string // the shell variables, as `declare -p` lines
	ports map[string]string
	vars  []string // the session's environment
	bg    []*background
}

// background is a running background block.
type background struct {
	block
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

func newSession(t *testing.T, env *testEnv, blocks []block) *session {
	s := &session{t: t, env: env, work: t.TempDir(), state: filepath.Join(t.TempDir(), "state.sh"), ports: map[string]string{}}
	// The examples the blocks send, read in place: a reader runs them from the root.
	if err := os.Symlink(filepath.Join(env.root, "examples"), filepath.Join(s.work, "examples")); err != nil {
		t.Fatal(err)
	}
	// Every port the file names gets a free one before any block runs.
	s.port(docHTTPPort)
	s.port(docGRPCPort)
	for _, b := range blocks {
		if b.shell() && b.skip == "" {
			s.rewrite(b.text + " " + b.wait)
		}
	}
	s.vars = append(slices.Clone(env.base),
		// A server started as the docs say, without flags, listens on the session's
		// ports and keeps its data in the work directory, also when started at the
		// repository root (in-repo); the clients' defaults follow.
		"FORSOK_DATA="+filepath.Join(s.work, "data"),
		"FORSOK_HTTP=localhost:"+s.port(docHTTPPort),
		"FORSOK_GRPC=localhost:"+s.port(docGRPCPort),
		"FORSOK_ADDR=localhost:"+s.port(docGRPCPort),
		"FORSOK_URL=http://localhost:"+s.port(docHTTPPort),
	)
	t.Cleanup(s.stop)
	return s
}

// port is the free port standing in for a port the docs name.
func (s *session) port(doc string) string {
	if p, ok := s.ports[doc]; ok {
		return p
	}
	p := strconv.Itoa(s.env.freePort(s.t))
	s.ports[doc] = p
	return p
}

// rewrite moves every localhost port in text to the session's.
func (s *session) rewrite(text string) string {
	return localRE.ReplaceAllStringFunc(text, func(m string) string {
		return "localhost:" + s.port(strings.TrimPrefix(m, "localhost:"))
	})
}

// saveState writes the shell's variables for the next block, leaving out bash's own and
// CURL_HOME, which the test sets for each block.
const saveState = `__docs_test_save() {
	local __name
	for __name in $(compgen -v); do
		case $__name in
		BASH* | SHELLOPTS | EUID | UID | PPID | GROUPS | FUNCNAME | PIPESTATUS | RANDOM | SRANDOM | LINENO | SECONDS | \
			EPOCHREALTIME | EPOCHSECONDS | _ | PWD | OLDPWD | SHLVL | DIRSTACK | HOSTNAME | HOSTTYPE | MACHTYPE | \
			OSTYPE | OPTIND | OPTERR | OPTARG | COLUMNS | LINES | IFS | PS1 | PS2 | PS4 | CURL_HOME | __*) continue ;;
		esac
		declare -p "$__name"
	done >"$__docs_test_state.new"
	mv "$__docs_test_state.new" "$__docs_test_state"
}
trap '__docs_test_status=$?; if [ "$__docs_test_status" = 0 ]; then __docs_test_save; fi' EXIT
`

// script is the bash program of a block: the session's variables, errexit and nounset,
// the block as the docs show it but for its ports, and (foreground) saving the
// variables it set.
func (s *session) script(b block) string {
	var sc strings.Builder
	fmt.Fprintf(&sc, "__docs_test_state=%q\n", s.state)
	fmt.Fprintf(&sc, "if [ -f \"$__docs_test_state\" ]; then source \"$__docs_test_state\"; fi\n")
	if !b.background {
		sc.WriteString(saveState)
	}
	sc.WriteString("set -eu\n")
	fmt.Fprintf(&sc, "# %s\n", b)
	sc.WriteString(s.rewrite(b.text))
	return sc.String()
}

func (s *session) command(ctx context.Context, b block, out *syncBuffer) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-c", s.script(b), "bash")
	cmd.Dir = s.work
	if b.inRepo {
		cmd.Dir = s.env.root
	}
	curlHome := s.env.curlHome
	if b.httpError {
		curlHome = s.env.plainCurlHome
	}
	cmd.Env = append(slices.Clone(s.vars), "CURL_HOME="+curlHome)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that stopping it stops what it started: `go run`
	// and the server it runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = stopTimeout
	return cmd
}

// run runs one block and reports whether the session may go on.
func (s *session) run(b block) bool {
	t := s.t
	if b.skip != "" {
		t.Logf("%s: skipped: %s", b, b.skip)
		return true
	}
	for _, c := range b.needs {
		if _, err := exec.LookPath(c); err != nil {
			// CI installs every tool a block needs (.ci/run), so there a missing one
			// is a broken CI, not a reason to skip.
			if os.Getenv("CI") != "" {
				t.Errorf("%s: needs %s, which is not on PATH (CI=%s)", b, c, os.Getenv("CI"))
				return false
			}
			t.Logf("%s: skipped: needs %s, which is not on PATH", b, c)
			return true
		}
	}
	if b.background {
		return s.start(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	out := &syncBuffer{}
	start := time.Now()
	err := s.command(ctx, b, out).Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %s", blockTimeout)
	}
	if err != nil {
		t.Errorf("%s: %v\n--- the block, as run:\n%s--- its output:\n%s", b, err, s.rewrite(b.text), out)
		return false
	}
	t.Logf("%s: ok in %s", b, time.Since(start).Round(time.Millisecond))
	return s.check(b, out)
}

// check compares a block's output with what its comments say it prints.
func (s *session) check(b block, out *syncBuffer) bool {
	ok := true
	for _, want := range expectations(s.rewrite(b.text)) {
		if !strings.Contains(squeeze(out.all()), squeeze(want)) {
			s.t.Errorf("%s: the docs say it prints %q, but it did not; its output:\n%s", b, want, out)
			ok = false
		}
	}
	return ok
}

// start starts a background block and, with wait=URL, waits until the URL answers 200.
func (s *session) start(b block) bool {
	t := s.t
	bg := &background{block: b, out: &syncBuffer{}, done: make(chan struct{})}
	bg.cmd = s.command(context.Background(), b, bg.out)
	if err := bg.cmd.Start(); err != nil {
		t.Errorf("%s: %v", b, err)
		return false
	}
	go func() {
		bg.err = bg.cmd.Wait()
		close(bg.done)
	}()
	s.bg = append(s.bg, bg)
	if b.wait == "" {
		t.Logf("%s: started in the background", b)
		return true
	}
	url := s.rewrite(b.wait)
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	start := time.Now()
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < readyTimeout {
		select {
		case <-bg.done:
			t.Errorf("%s: ended (%v) before %s answered; its output:\n%s", b, bg.err, url, bg.out)
			return false
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("%s: running, %s answered in %s", b, url, time.Since(start).Round(time.Millisecond))
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%s: %s did not answer 200 within %s; its output:\n%s", b, url, readyTimeout, bg.out)
	return false
}

// stop ends the background blocks, last started first (a stream before its server),
// and checks what they printed. A background block that ended by itself with an error
// fails: a server that could not start, a receiver that died.
func (s *session) stop() {
	for i := len(s.bg) - 1; i >= 0; i-- {
		bg := s.bg[i]
		select {
		case <-bg.done:
			if bg.err != nil {
				s.t.Errorf("%s: a background block ended early: %v; its output:\n%s", bg.block, bg.err, bg.out)
				continue
			}
		default:
			_ = syscall.Kill(-bg.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-bg.done:
			case <-time.After(stopTimeout):
				_ = syscall.Kill(-bg.cmd.Process.Pid, syscall.SIGKILL)
				<-bg.done
				s.t.Errorf("%s: did not stop within %s of SIGTERM; its output:\n%s", bg.block, stopTimeout, bg.out)
			}
		}
		s.check(bg.block, bg.out)
	}
	s.bg = nil
}

// syncBuffer is a bytes.Buffer for a process's output and the test reading it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// all is the whole output, to check.
func (b *syncBuffer) all() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// String is the output cut to its last 200 lines, for a failure report.
func (b *syncBuffer) String() string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(b.all()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 200 {
		lines = append([]string{fmt.Sprintf("… %d lines before", len(lines)-200)}, lines[len(lines)-200:]...)
	}
	return strings.Join(lines, "\n") + "\n"
}
