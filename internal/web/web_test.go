package web_test

import (
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/forsok/forsok/internal/trial"
)

func TestPages(t *testing.T) {
	s := newSite(t)
	s.seed(t, 6)
	s.calls(t)
	hidden, public := s.Hidden[0], s.Public[0]
	for _, tc := range []struct {
		name, path string
		status     int
		want       []string
		notWant    []string
	}{
		{"OK register", "/", 200, []string{`<html lang="nb"`, "Forsøksregisteret", "forsøk nummer0", "Godkjent"}, []string{"forsøk nummer2"}},
		{"OK register in English", "/?lang=en", 200, []string{`<html lang="en"`, "Register of trials", "Approved"}, nil},
		{"OK search", "/?q=Nummer4", 200, []string{"forsøk nummer4"}, []string{"forsøk nummer0"}},
		{"OK county", "/?county=31", 200, []string{"forsøk nummer0"}, nil},
		{"OK other county", "/?county=46", 200, []string{"Ingen forsøk passer søket."}, []string{"forsøk nummer0"}},
		{"OK municipality and law", "/?municipality=3118&law=lov-2023-06-09-30&year=2026&state=APPROVED&category=ORGANISATION", 200, []string{"forsøk nummer0"}, nil},
		{"ErrMunicipality", "/?municipality=9999", 400, []string{"ds-error-summary", `href="#municipality"`}, nil},
		{"OK trial", "/forsok/" + public, 200, []string{"Forsøket kan gi bedre underveisvurdering.", "FOR-2026-06-20-1234", "Norsk Lovtidend Avd. II 2026 nr. 1234", "LOV-2023-06-09-30", "1. august 2026", "Forsøket godkjent",
			publicDocTitle, `href="/v1/applications/` + public + `/documents/` + s.PublicDoc + `:download"`}, []string{internalDocTitle}},
		{"ErrTrialNotPublic", "/forsok/" + hidden, 404, []string{"Fant ikke siden"}, []string{"forsøk nummer2"}},
		{"ErrTrialMissing", "/forsok/2026-999999", 404, nil, nil},
		{"OK statistics", "/statistikk", 200, []string{"<svg", "<caption>", "Søknader etter status", "KD"}, nil},
		{"OK journal", "/journal", 200, []string{"Postjournal", "Journaldato", publicDocTitle, "*****", "Inngående"}, []string{"ikke ennå"}},
		{"OK journal next page", "/journal?side=2&token=2026-000005", 200, []string{"Første side"}, nil},
		{"OK journal stale token", "/journal?token=x", 200, []string{"utløpt"}, nil},
		{"OK calls", "/utlysninger", 200, []string{"Utlysninger", openCallTitle, "Åpen for søknader", `href="/utlysninger/` + s.OpenCall + `"`, `aria-current="page"`}, nil},
		{"OK calls in English", "/utlysninger?lang=en", 200, []string{"Calls for applications", "Open for applications", `href="/utlysninger/` + s.OpenCall + `?lang=en"`}, nil},
		{"OK call", "/utlysninger/" + s.OpenCall, 200, []string{"<h1 class=\"ds-heading\" data-size=\"lg\">" + openCallTitle, "Søknadene vurderes sammen med fagdepartementene.", "Skole", "Helse", "kommuner", "15. april 2026", "30. juni 2026", "Foreløpige søknader mottatt</th><td>1</td>", "Østfold</th><td>1</td>"}, nil},
		{"OK call in English", "/utlysninger/" + s.OpenCall + "?lang=en", 200, []string{"Who may apply", "municipalities", "15 April 2026", "Preliminary applications received</th><td>1</td>", "Skole</th><td>1</td>"}, nil},
		{"ErrCallDraft", "/utlysninger/" + s.DraftCall, 404, []string{"Fant ikke siden"}, nil},
		{"ErrCallMissing", "/utlysninger/2026-99", 404, nil, nil},
		{"ErrCallBadID", "/utlysninger/x", 404, nil, nil},
		{"OK accessibility", "/tilgjengelighet?lang=en", 200, []string{"WCAG", "2.1"}, nil},
		{"OK feed", "/forsok.atom", 200, []string{"<feed", "Forsøket godkjent"}, []string{"forsøk nummer2"}},
		{"OK csv", "/statistikk.csv", 200, []string{"applications.by_state,APPROVED,4", "consultations:answered;on_time;percent,KD,4,4,100"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := s.get(t, tc.path)
			if res.StatusCode != tc.status {
				t.Fatalf("GET %s: got status %d, want %d", tc.path, res.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: body lacks %q", tc.path, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("GET %s: body has %q", tc.path, w)
				}
			}
			assertNoPrivate(t, tc.path, body)
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("GET %s: got CSP %q, want default-src 'self' without unsafe-inline", tc.path, csp)
			}
			if strings.Contains(body, "<script") || strings.Contains(body, " style=") || strings.Contains(body, "<style") {
				t.Errorf("GET %s: the page has a script or an inline style", tc.path)
			}
		})
	}
}

func TestPages_ETag(t *testing.T) {
	s := newSite(t)
	s.seed(t, 1)
	for _, path := range []string{"/", "/forsok/" + s.Public[0], "/static/designsystemet.css", "/statistikk"} {
		res, _ := s.get(t, path)
		etag := res.Header.Get("ETag")
		if etag == "" || res.Header.Get("Cache-Control") == "" {
			t.Fatalf("GET %s: got ETag %q, Cache-Control %q, want both", path, etag, res.Header.Get("Cache-Control"))
		}
		res, body := s.get(t, path, "If-None-Match", etag)
		if res.StatusCode != http.StatusNotModified || body != "" {
			t.Errorf("GET %s with its ETag: got %d with %d bytes, want 304 without a body", path, res.StatusCode, len(body))
		}
	}
}

func TestFeed_IsAtom(t *testing.T) {
	s := newSite(t)
	s.seed(t, 2)
	_, body := s.get(t, "/forsok.atom?lang=en")
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Entries []struct {
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("the feed is not Atom: %v", err)
	}
	if len(feed.Entries) != 2 {
		t.Fatalf("got %d entries, want 2 (the two approvals)", len(feed.Entries))
	}
	if !strings.Contains(feed.Entries[0].Link.Href, "/forsok/") || !strings.HasPrefix(feed.Entries[0].Title, "Trial approved: ") {
		t.Errorf("got entry %+v, want a link to the trial and an English title", feed.Entries[0])
	}
}

// TestPages_JournalPaging follows the journal's next-page link: with pages of 5, the
// sixth entry is on the second page only.
func TestPages_JournalPaging(t *testing.T) {
	s := newSite(t)
	s.seed(t, 1)
	for i := range 3 {
		must(s.svc.UploadDocument(t.Context(), call(lead), s.Public[0], trial.DocumentInput{Title: fmt.Sprintf("Vedlegg nummer%d", i),
			Kind: trial.DocOther, Filename: "vedlegg.txt", Public: true}, strings.NewReader("vedlegg")))
	}
	_, first := s.get(t, "/journal")
	next := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(first)
	if next == nil {
		t.Fatal("the first page of 6 entries has no next-page link")
	}
	if !strings.Contains(first, "Vedlegg nummer1") || strings.Contains(first, "Vedlegg nummer2") {
		t.Errorf("the first page: got entries other than the first five")
	}
	_, second := s.get(t, html.UnescapeString(next[1]))
	if !strings.Contains(second, "Vedlegg nummer2") || strings.Contains(second, "Vedlegg nummer1") || !strings.Contains(second, "Første side") || strings.Contains(second, `rel="next"`) {
		t.Errorf("the second page: got %q, want the sixth entry only, a link to the first page and none onward", second)
	}
}
