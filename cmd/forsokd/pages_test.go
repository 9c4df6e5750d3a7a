package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/forsok/forsok/internal/clamd"
	"github.com/forsok/forsok/internal/server/servertest"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// TestPages_Documents runs forsokd's own stack: a municipality uploads a public
// document and one it does not offer as public over REST, to an approved case; the
// trial page, fetched without a token on the same listener, lists only the first, and
// its download link, followed without a token, gives the uploaded bytes.
func TestPages_Documents(t *testing.T) {
	fake, err := clamd.StartFake()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	s := startServerWith(t, servertest.Options{Clock: trialtest.NewClock(at("2026-03-02", 9)), Configure: withScanner(fake.Addr())})
	name := s.approved(t, "KD støtter forsøket.")
	lead := s.municipality(t, leadOrg)
	public := pdfBytes("evalueringsplan")
	status, _ := s.upload(t, name, lead, url.Values{"title": {"Evalueringsplan"}, "kind": {"OTHER"}, "filename": {"plan.pdf"}, "public": {"true"}},
		bytes.NewReader(public), int64(len(public)))
	mustEqual(t, "public upload status", status, http.StatusOK)
	internal := pdfBytes("notat")
	status, _ = s.upload(t, name, lead, url.Values{"title": {"Internt budsjettnotat"}, "kind": {"OTHER"}, "filename": {"notat.pdf"}},
		bytes.NewReader(internal), int64(len(internal)))
	mustEqual(t, "internal upload status", status, http.StatusOK)

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := s.http.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, page := get("/forsok/" + strings.TrimPrefix(name, "applications/"))
	mustEqual(t, "trial page status", code, http.StatusOK)
	wantEqual(t, "the page lists the public document", strings.Contains(page, "Evalueringsplan"), true)
	wantEqual(t, "the page lists the internal document", strings.Contains(page, "Internt budsjettnotat"), false)
	links := regexp.MustCompile(`href="(/v1/applications/[^"]+:download)"`).FindAllStringSubmatch(page, -1)
	mustEqual(t, "download links", len(links), 1)
	code, body := get(links[0][1])
	mustEqual(t, "anonymous download status", code, http.StatusOK)
	wantEqual(t, "downloaded bytes equal the upload", body == string(public), true)

	code, page = get("/journal")
	mustEqual(t, "journal status", code, http.StatusOK)
	wantEqual(t, "the journal lists the public document's entry", strings.Contains(page, "Evalueringsplan"), true)
	code, _ = get("/utlysninger")
	mustEqual(t, "calls page status", code, http.StatusOK)
}
