package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDocumentCommands uploads, lists, downloads, journals and screens a document
// through forsokctl against the real stack: the bytes that come back are the bytes that
// went in, and each refusal exits with its code naming its flag.
func TestDocumentCommands(t *testing.T) {
	s := startServer(t)
	name := s.submitted()
	id := shortID(name)
	lead := s.Municipality(leadOrg)

	// Plain UTF-8 text of about 1.2 MiB: several chunks each way.
	var b strings.Builder
	for i := 0; b.Len() < 1200<<10; i++ {
		b.WriteString("Linje ")
		b.WriteString(strings.Repeat("æøå ", i%17))
		b.WriteString("\n")
	}
	content := []byte(b.String())
	sum := sha256.Sum256(content)
	dir := t.TempDir()
	path := filepath.Join(dir, "vedtak.txt")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}

	var doc string
	t.Run("Upload", func(t *testing.T) {
		m := s.okJSON(lead, "upload", id, path, "-title", "Kommunestyrets vedtak", "-kind", "council-decision", "-public")
		doc = str(m, "name")
		if !strings.HasPrefix(doc, name+"/documents/") || str(m, "sha256") != hex.EncodeToString(sum[:]) ||
			str(m, "filename") != "vedtak.txt" || str(m, "journalEntry") == "" {
			t.Fatalf("upload -o json: got %v, want a document of %s with sha256 %x", m, name, sum)
		}
		if got, want := str(m, "sizeBytes"), len(content); got != strconv.Itoa(want) {
			t.Errorf("upload: sizeBytes %s, want %d", got, want)
		}
	})
	t.Run("Documents", func(t *testing.T) {
		wantContains(t, "documents", s.ok(s.Handler(), "documents", id), "DOCUMENT", doc, "COUNCIL_DECISION", strconv.Itoa(len(content)), "Kommunestyrets vedtak")
	})
	t.Run("DownloadFile", func(t *testing.T) {
		out := filepath.Join(dir, "ut.txt")
		wantContains(t, "download", s.ok(s.Handler(), "download", doc, "-out", out), "sha256 checked")
		got, err := os.ReadFile(out)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("download -out: got %d bytes (%v), want the %d uploaded", len(got), err, len(content))
		}
		wantExit(t, s.ctl(s.Handler(), "download", doc, "-out", out), exitUsage, "-force")
	})
	t.Run("DownloadStdout", func(t *testing.T) {
		r := s.ctl(lead, "download", strings.TrimPrefix(doc, "applications/"))
		if r.code != 0 || r.stdout != string(content) || !strings.Contains(r.stderr, "checked") {
			t.Errorf("download to stdout: exit %d, %d bytes, stderr %q; want exit 0 and the %d uploaded", r.code, len(r.stdout), r.stderr, len(content))
		}
	})
	t.Run("ErrUploadWithoutTitle", func(t *testing.T) {
		wantExit(t, s.ctl(lead, "upload", id, path, "-kind", "OTHER"), exitError, "INVALID_ARGUMENT", "(flag -title)")
	})
	t.Run("ErrUploadExecutable", func(t *testing.T) {
		exe := filepath.Join(dir, "brev.pdf")
		if err := os.WriteFile(exe, append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 4096)...), 0o600); err != nil {
			t.Fatal(err)
		}
		wantExit(t, s.ctl(lead, "upload", id, exe, "-title", "Brev", "-kind", "OTHER"), exitError, "INVALID_ARGUMENT", "file: the file is an ELF executable")
	})
	t.Run("ErrUploadMissingFile", func(t *testing.T) {
		wantExit(t, s.ctl(lead, "upload", id, filepath.Join(dir, "finnes-ikke"), "-title", "x", "-kind", "OTHER"), exitError, "finnes-ikke")
	})
	t.Run("ErrDownloadNotFound", func(t *testing.T) {
		wantExit(t, s.ctl(s.Handler(), "download", name+"/documents/99", "-out", filepath.Join(dir, "x")), exitNotFound, "NOT_FOUND")
		if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
			t.Errorf("a failed download left its -out file")
		}
	})

	var entry string
	t.Run("Journal", func(t *testing.T) {
		m := s.okJSON(s.Handler(), "journal", "-application", id, "-type", "incoming", "-from", "2026-01-01")
		entries := list(m, "journalEntries")
		if len(entries) != 1 || str(entries[0], "title") != "Kommunestyrets vedtak" || str(entries[0], "documents", 0) != doc {
			t.Fatalf("journal -o json: got %v, want the one INCOMING entry of %s", m, doc)
		}
		entry = str(entries[0], "name")
		wantContains(t, "journal", s.ok(s.Handler(), "journal"), "ENTRY", entry, "INCOMING", "Kommunestyrets vedtak")
		wantContains(t, "journal -type OUTGOING", s.ok(s.Handler(), "journal", "-type", "OUTGOING"), "No journal entries.")
	})
	t.Run("JournalPages", func(t *testing.T) {
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
		s.ok(lead, "upload", id, path, "-title", "Utkast til forskrift", "-kind", "DRAFT_REGULATION")
		r := s.ctl(s.Handler(), "journal", "-page-size", "1")
		if r.code != 0 || !strings.Contains(r.stderr, "-page-token") || strings.Count(r.stdout, "journalEntries/") != 1 {
			t.Errorf("journal -page-size 1: got %v, want one entry and a note on the next page", r)
		}
		if n := len(list(s.okJSON(s.Handler(), "journal", "-page-size", "1", "-all"), "journalEntries")); n != 2 {
			t.Errorf("journal -all: got %d entries, want 2", n)
		}
	})
	t.Run("ErrJournalBadFilter", func(t *testing.T) {
		wantExit(t, s.ctl(s.Handler(), "journal", "-filter", "colour = RED"), exitError, "INVALID_ARGUMENT", "(flag -filter)")
	})
	t.Run("ErrScreenAsMunicipality", func(t *testing.T) {
		wantExit(t, s.ctl(lead, "screen", entry, "-legal-basis", "offl. § 13", "-fields", "title"), exitAuth, "PERMISSION_DENIED")
	})
	t.Run("Screen", func(t *testing.T) {
		m := s.okJSON(s.Handler(), "screen", strings.TrimPrefix(entry, "journalEntries/"),
			"-legal-basis", "offl. § 13 jf. fvl. § 13 første ledd nr. 1", "-fields", "title,documents", "-public-title", "Kommunestyrets *****")
		if str(m, "screening", "legalBasis") != "offl. § 13 jf. fvl. § 13 første ledd nr. 1" || str(m, "publicTitle") != "Kommunestyrets *****" {
			t.Errorf("screen -o json: got %v, want the screening and the public title", m)
		}
	})
	t.Run("EscapesTitle", func(t *testing.T) {
		s.ok(lead, "upload", id, path, "-title", "Brev \x1b[31mrødt", "-kind", "CORRESPONDENCE")
		out := s.ok(s.Handler(), "documents", id)
		if strings.Contains(out, "\x1b") || !strings.Contains(out, `Brev \u001b[31mrødt`) {
			t.Errorf("documents: got %q, want the ESC in a title escaped", out)
		}
	})
}
