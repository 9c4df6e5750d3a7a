package web_test

// Accessibility in a real browser: every page kind is loaded in headless Chromium
// (Debian's chromium) from a real server seeded through the real service, axe-core
// (testdata/axe) is injected and run with the WCAG 2.0/2.1 A and AA tags, and a
// keyboard-only visitor walks from the register to a trial. Outside CI the tests skip
// when chromium is not installed; in CI (CI set) they fail instead.

import (
	"context"
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

//go:embed testdata/axe/axe.min.js
var axeSource string

// browser starts headless Chromium with a fresh profile and returns its context.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; CI must run the accessibility tests (.ci/run installs it)")
		}
		t.Skip("chromium is not installed: apt-get install chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, on a context without a deadline (the
	// browser lives as long as it); later ones run under the test's own limit.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => JSON.stringify(r.violations))`

func TestAccessibility_Axe(t *testing.T) {
	ctx := browser(t)
	s := newSite(t)
	s.seed(t, 7)
	s.calls(t)
	for _, path := range []string{
		"/journal?lang=en", "/utlysninger", "/utlysninger?lang=en", "/utlysninger/" + s.OpenCall,
		"/utlysninger/" + s.OpenCall + "?lang=en", "/utlysninger/" + s.DraftCall,
		"/", "/?lang=en", "/?county=31&side=1", "/?municipality=9999", "/?q=ingenting",
		"/forsok/" + s.Public[0], "/forsok/" + s.Public[0] + "?lang=en", "/forsok/" + s.Hidden[0],
		"/journal", "/statistikk", "/statistikk?lang=en", "/tilgjengelighet",
	} {
		t.Run(path, func(t *testing.T) {
			err := chromedp.Do(ctx, chromedp.Navigate(s.URL+path), chromedp.WaitReady("body"))
			if err == nil {
				_, err = chromedp.Run(ctx, chromedp.Evaluate[any](axeSource))
			}
			var out string
			if err == nil {
				out, err = chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
			}
			if err != nil {
				t.Fatalf("run axe on %s: %v", path, err)
			}
			var vs []axeViolation
			if err := json.Unmarshal([]byte(out), &vs); err != nil {
				t.Fatalf("axe's answer: %v", err)
			}
			for _, v := range vs {
				for _, n := range v.Nodes {
					t.Errorf("%s: %s (%s) at %v: %s", path, v.ID, v.Help, n.Target, n.HTML)
				}
			}
		})
	}
}

// TestAccessibility_Keyboard walks with Tab and Enter only: the skip link comes first
// and moves to the main content; from the register's table a trial opens, and its
// page has one h1, the trial's title.
func TestAccessibility_Keyboard(t *testing.T) {
	ctx := browser(t)
	s := newSite(t)
	s.seed(t, 2)
	target := "/forsok/" + s.Public[0]
	focused := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? (document.activeElement.getAttribute('href') || document.activeElement.id || document.activeElement.tagName) : ''`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	press := func(key string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.KeyEvent(key)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/"), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	press(kb.Tab)
	if got := focused(); got != "#main" {
		t.Fatalf("the first Tab stop: got %q, want the skip link to #main", got)
	}
	press(kb.Enter)
	if got := focused(); got != "main" {
		t.Fatalf("after Enter on the skip link: got focus on %q, want main", got)
	}
	found := false
	for range 60 {
		press(kb.Tab)
		if focused() == target {
			found = true
			break
		}
	}
	if !found {
		t.Fatalf("Tab never reached the link to %s", target)
	}
	press(kb.Enter)
	if err := chromedp.Do(ctx, chromedp.WaitVisible("h1")); err != nil {
		t.Fatal(err)
	}
	url, _ := chromedp.Run(ctx, chromedp.Location())
	h1, _ := chromedp.Run(ctx, chromedp.Text("h1"))
	h1s, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('h1').length`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(url, target) || !strings.Contains(h1, "forsøk nummer0") || h1s != 1 {
		t.Fatalf("after Enter: got %s with %d h1 %q, want the trial's page with its title as the one h1", url, h1s, h1)
	}
	// Every link of the trial's page, its documents' too, takes keyboard focus.
	unreachable, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('main a')].filter(a => a.tabIndex < 0).length`))
	if err != nil {
		t.Fatal(err)
	}
	if unreachable != 0 {
		t.Errorf("got %d links in main that keyboard focus cannot reach, want 0", unreachable)
	}
	// Tab on from the top of the trial's page reaches its document's download link.
	download := "/v1/applications/" + s.Public[0] + "/documents/" + s.PublicDoc + ":download"
	found = false
	for range 40 {
		press(kb.Tab)
		if focused() == download {
			found = true
			break
		}
	}
	if !found {
		t.Fatalf("Tab never reached the document's download link %s", download)
	}
}
