package web_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestPages_Golden compares the rendered HTML of a fixed fixture (three cases, a fixed
// clock) with testdata/golden; -update rewrites them. A change to a page shows up here
// as a diff to review.
func TestPages_Golden(t *testing.T) {
	s := newSite(t)
	s.seed(t, 3)
	s.calls(t)
	for name, path := range map[string]string{
		"journal.html":       "/journal",
		"calls.html":         "/utlysninger",
		"call-en.html":       "/utlysninger/" + s.OpenCall + "?lang=en",
		"register.html":      "/",
		"register-en.html":   "/?lang=en&county=31",
		"trial.html":         "/forsok/" + s.Public[0],
		"statistics.html":    "/statistikk",
		"accessibility.html": "/tilgjengelighet",
	} {
		t.Run(name, func(t *testing.T) {
			_, body := s.get(t, path)
			file := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/web -run TestPages_Golden -update)", err)
			}
			if body != string(want) {
				t.Errorf("GET %s differs from %s; run with -update and review the diff", path, file)
			}
		})
	}
}
