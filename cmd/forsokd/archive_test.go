package main

import (
	"archive/tar"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"google.golang.org/grpc/codes"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
	"github.com/forsok/forsok/internal/auth"
	"github.com/forsok/forsok/internal/noark"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
)

// TestArchiveExport: a rejected case with a document exports over REST as a tar (admin
// only) and, once the server has stopped, with forsokd archive-export; both packages
// pass noark.Check and hold the same files.
func TestArchiveExport(t *testing.T) {
	dir := t.TempDir()
	clock := trialtest.NewClock(at("2026-03-02", 9))
	s := startServer(t, dir, clock)
	name := s.inReview(t)
	content := pdfBytes("kommunestyrets vedtak")
	status, _ := s.upload(t, name, s.municipality(t, leadOrg), url.Values{"title": {"Kommunestyrets vedtak"}, "kind": {"COUNCIL_DECISION"}, "filename": {"vedtak.pdf"}},
		bytes.NewReader(content), int64(len(content)))
	mustEqual(t, "upload", status, http.StatusOK)
	admin := s.token(t, auth.DevTokenOptions{Role: trial.RoleAdmin})

	code, body := s.rest(t, http.MethodGet, noarkPath, admin, nil)
	wantHTTPError(t, "export before any case ended", code, body, http.StatusNotFound, codes.NotFound)
	if _, err := s.api.RejectApplication(s.as(t, s.approver(t)), &forsokv1.RejectApplicationRequest{Name: name,
		ReasonCodes: []forsokv1.RejectApplicationRequest_ReasonCode{forsokv1.RejectApplicationRequest_NOT_PRIORITISED}, Reasons: "Ikke prioritert."}); err != nil {
		t.Fatalf("RejectApplication: %v", err)
	}

	t.Run("ErrRoles", func(t *testing.T) {
		code, body := s.rest(t, http.MethodGet, noarkPath, "", nil)
		wantHTTPError(t, "anonymous", code, body, http.StatusUnauthorized, codes.Unauthenticated)
		code, body = s.rest(t, http.MethodGet, noarkPath, s.handler(t), nil)
		wantHTTPError(t, "case handler", code, body, http.StatusForbidden, codes.PermissionDenied)
		code, body = s.rest(t, http.MethodGet, noarkPath+"?filter="+url.QueryEscape("nonsense ~"), admin, nil)
		wantHTTPError(t, "bad filter", code, body, http.StatusBadRequest, codes.InvalidArgument)
	})

	code, raw := s.restRaw(t, http.MethodGet, noarkPath, admin, nil)
	mustEqual(t, "GET "+noarkPath, code, http.StatusOK)
	fromTar := fstest.MapFS{}
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read the tar: %v", err)
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			fromTar[h.Name] = &fstest.MapFile{Data: b}
		}
	}
	if err := noark.Check(fromTar); err != nil {
		t.Errorf("Check of the REST export: %v", err)
	}
	id := strings.TrimPrefix(name, "applications/")
	if f := fromTar["avleveringspakke/DOKUMENT/"+id+"/1.pdf"]; f == nil || !bytes.Equal(f.Data, content) {
		t.Errorf("the tar's DOKUMENT/%s/1.pdf: got %v, want the uploaded bytes", id, f)
	}

	// The running server holds the file: the command says so rather than wait forever.
	var out bytes.Buffer
	if code := runArchiveExport([]string{"-data", dir, "-out", t.TempDir(), "-lock-timeout", "100ms"}, noEnv, &out, &out); code != 2 || !strings.Contains(out.String(), "locked") {
		t.Errorf("archive-export while serving: got %d %q, want 2 and the file named locked", code, out.String())
	}
	s.close()

	outDir := t.TempDir()
	out.Reset()
	if code := runArchiveExport([]string{"-data", dir, "-out", outDir, "-case", name}, noEnv, &out, &out); code != 0 {
		t.Fatalf("archive-export: got %d\n%s", code, out.String())
	}
	if err := noark.Check(os.DirFS(outDir)); err != nil {
		t.Errorf("Check of the command's export: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(outDir, "avleveringspakke", "DOKUMENT", id, "1.pdf"))
	if err != nil || !bytes.Equal(got, content) {
		t.Errorf("the command's DOKUMENT/%s/1.pdf: got %v, want the uploaded bytes", id, err)
	}
	out.Reset()
	if code := runArchiveExport([]string{"-data", dir, "-out", outDir}, noEnv, &out, &out); code != 2 || !strings.Contains(out.String(), "never overwrites") {
		t.Errorf("archive-export into an existing package: got %d %q, want 2", code, out.String())
	}
}

const noarkPath = "/v1/archive:export"
