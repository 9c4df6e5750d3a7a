package docs

import (
	"slices"
	"strings"
	"testing"
)

// TestParseBlocks pins the rules that keep a walk-through from escaping the docs test.
func TestParseBlocks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		md      string
		wantErr string // empty: no error
		want    marker
	}{
		{"OK", "```sh\necho hi\n```\n", "", marker{}},
		{"OKMarker", "<!-- docs-test: background in-repo wait=localhost:8080/readyz -->\n```sh\nforsokd\n```\n", "",
			marker{background: true, inRepo: true, wait: "localhost:8080/readyz"}},
		{"OKSkip", "<!-- docs-test: skip: needs Docker -->\n\n```sh\ndocker build .\n```\n", "", marker{skip: "needs Docker"}},
		{"OKIndented", "1. Step:\n\n   <!-- docs-test: http-error -->\n   ```sh\n   curl -s x\n   ```\n", "", marker{httpError: true}},
		{"ErrNoLanguage", "```\necho hi\n```\n", "names no language", marker{}},
		{"ErrConsole", "```console\n$ echo hi\n```\n", "not run by the docs test", marker{}},
		{"ErrSkipWithoutReason", "<!-- docs-test: skip -->\n```sh\nx\n```\n", "skip needs a reason", marker{}},
		{"ErrUnknownWord", "<!-- docs-test: backgruond -->\n```sh\nx\n```\n", `unknown docs-test word "backgruond"`, marker{}},
		{"ErrWaitInForeground", "<!-- docs-test: wait=localhost:1/ -->\n```sh\nx\n```\n", "wait= is for background blocks", marker{}},
		{"ErrMarkerAway", "<!-- docs-test: in-repo -->\nSome prose.\n```sh\nx\n```\n", "must stand right before its block", marker{}},
		{"ErrMarkerOnJSON", "<!-- docs-test: in-repo -->\n```json\n{}\n```\n", "never run", marker{}},
		{"ErrMarkerAtEnd", "text\n<!-- docs-test: in-repo -->\n", "no block after it", marker{}},
		{"ErrUnclosed", "```sh\necho hi\n", "never closed", marker{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blocks, errs := parseBlocks("x.md", tc.md)
			if tc.wantErr != "" {
				if len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.wantErr) {
					t.Fatalf("got errors %v, want one containing %q", errs, tc.wantErr)
				}
				return
			}
			if len(errs) > 0 || len(blocks) != 1 {
				t.Fatalf("got %d blocks and errors %v, want one block", len(blocks), errs)
			}
			got := blocks[0].marker
			if got.skip != tc.want.skip || got.background != tc.want.background || got.wait != tc.want.wait ||
				got.inRepo != tc.want.inRepo || got.httpError != tc.want.httpError || !slices.Equal(got.needs, tc.want.needs) {
				t.Errorf("marker: got %+v, want %+v", got, tc.want)
			}
			if tc.name == "OKIndented" && blocks[0].text != "curl -s x\n" {
				t.Errorf("text: got %q, want the fence's indentation removed", blocks[0].text)
			}
		})
	}
}

func TestExpectations(t *testing.T) {
	text := `curl -s x   # its history → "action":"submit"
forsokctl approve \
  || echo "exit code $?"   # → R6 approved_end → exit code 3
echo "a → b"               # no arrow in the comment
# → ok
`
	got := expectations(text)
	want := []string{`"action":"submit"`, "R6 approved_end", "exit code 3", "ok"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if !strings.Contains(squeeze(`{"state": "SUBMITTED"}`), squeeze(`"state":"SUBMITTED"`)) {
		t.Error(`squeeze: "state": "SUBMITTED" does not match "state":"SUBMITTED"`)
	}
}

func TestRewrite(t *testing.T) {
	s := &session{t: t, env: &testEnv{}, ports: map[string]string{}}
	s.env.ports.used = map[int]bool{}
	got := s.rewrite("curl localhost:8080/x; forsokd -http localhost:8081 -grpc localhost:9091; curl http://localhost:8080/y")
	h, h2 := s.port("8080"), s.port("8081")
	if h == "8080" || h == h2 || s.port("9091") == h {
		t.Fatalf("ports: got %v, want distinct free ports", s.ports)
	}
	want := "curl localhost:" + h + "/x; forsokd -http localhost:" + h2 + " -grpc localhost:" + s.port("9091") + "; curl http://localhost:" + h + "/y"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
