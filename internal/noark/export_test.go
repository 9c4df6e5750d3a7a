package noark_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/boltstore/bolttest"
	"github.com/forsok/forsok/internal/noark"
	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/trial/trialtest"
	"github.com/forsok/forsok/internal/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var ctx = context.Background()

// The callers of the fixture.
var (
	lead     = trial.Actor{Subject: "ios-kari", Name: "Kari Nordmann", OrganisationNumber: trialtest.LeadOrg, Role: trial.RoleMunicipality}
	handler  = trial.Actor{Subject: "kdd-hanne", Name: "Hanne Handler", OrganisationNumber: trialtest.KDDOrg, Role: trial.RoleKDDHandler}
	approver = trial.Actor{Subject: "kdd-anne", Name: "Anne Approver", OrganisationNumber: trialtest.KDDOrg, Role: trial.RoleKDDApprover}
	kd       = trial.Actor{Subject: "kd-ola", Name: "Ola Fagdep", OrganisationNumber: "999990134", Role: trial.RoleMinistry, Ministry: "KD"}
)

// The fixture's documents: a PDF, and plain text.
var (
	councilPDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	statement  = []byte("KD støtter forsøket, med merknader om vurderingsforskriften.\n")
	letter     = []byte("Vedtak: søknaden om forsøk avslås. Begrunnelse: ikke prioritert i år.\n")
	withdrawal = []byte("Kommunestyret har trukket søknaden.\n")
)

type fixture struct {
	store              *boltstore.Store
	svc                *workflow.Service
	clock              *trialtest.Clock
	rejected, withdrew string // application ids of the ended cases
	open               string // a case still under review
}

// must returns a call's answer, failing the test on its error: must[T](t)(call()).
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		return v
	}
}

// newFixture builds, through the real service on a real store, a rejected case (a
// council decision, KD's statement, KDD's decision letter whose journal entry KDD
// screens), a withdrawn one (the municipality's letter) and one still in review.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := trialtest.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, trialtest.Oslo))
	store := bolttest.Open(t, boltstore.Options{Now: clock.Now})
	svc := must[*workflow.Service](t)(workflow.NewService(store, trial.DefaultReference()))
	svc.Now = clock.Now
	svc.Documents.Content = store
	svc.Documents.TempDir = t.TempDir()
	f := &fixture{store: store, svc: svc, clock: clock}
	call := func(a trial.Actor) workflow.Call { return workflow.Call{Actor: a} }
	upload := func(a trial.Actor, appID string, in trial.DocumentInput, body []byte) *trial.Document {
		t.Helper()
		clock.Advance(time.Hour)
		return must[*trial.Document](t)(svc.UploadDocument(ctx, call(a), appID, in, bytes.NewReader(body)))
	}
	submitted := func() *trial.Application {
		app := must[*trial.Application](t)(svc.CreateApplication(ctx, call(lead), trialtest.Application()))
		clock.Advance(time.Hour)
		return must[*trial.Application](t)(svc.SubmitApplication(ctx, call(lead), app.ID, "søknaden sendes"))
	}

	app := submitted()
	f.rejected = app.ID
	upload(lead, app.ID, trial.DocumentInput{Title: "Kommunestyrets vedtak om å søke forsøk", Kind: trial.DocCouncilDecision,
		Filename: "vedtak.pdf", Public: true, DocumentDate: "2026-02-26"}, councilPDF)
	must[*trial.Application](t)(svc.AssignApplication(ctx, call(handler), app.ID, trial.Person{}, ""))
	c := must[*trial.Consultation](t)(svc.CreateConsultation(ctx, call(handler), app.ID,
		trial.ConsultationInput{Ministry: "KD", Question: "Har KD merknader til forsøket?", DueWorkingDays: 15}))
	upload(kd, app.ID, trial.DocumentInput{Title: "KDs uttalelse", Kind: trial.DocStatement, Filename: "uttalelse.txt", ConsultationID: c.ID}, statement)
	must[*trial.Consultation](t)(svc.RespondToConsultation(ctx, call(kd), app.ID, c.ID, trial.ResponseInput{Position: trial.PositionSupports, Statement: "KD støtter forsøket."}))
	clock.Advance(24 * time.Hour)
	must[*trial.Application](t)(svc.RejectApplication(ctx, call(approver), app.ID,
		trial.RejectInput{ReasonCodes: []trial.RejectReason{trial.RejectNotPrioritised}, Reasons: "Ikke prioritert i år."}))
	d := upload(approver, app.ID, trial.DocumentInput{Title: "Vedtak om avslag", Kind: trial.DocDecisionLetter, Filename: "avslag.txt", Public: true}, letter)
	must[*trial.JournalEntry](t)(svc.ScreenJournalEntry(ctx, call(handler), d.JournalEntryID, trial.ScreenInput{
		LegalBasis: "offl. § 13 jf. fvl. § 13 første ledd nr. 1", Fields: []string{"correspondents", "title"}, PublicTitle: "Vedtak i sak om forsøk"}))

	app = submitted()
	f.withdrew = app.ID
	upload(lead, app.ID, trial.DocumentInput{Title: "Melding om tilbaketrekking", Kind: trial.DocCorrespondence, Filename: "melding.txt"}, withdrawal)
	must[*trial.Application](t)(svc.WithdrawApplication(ctx, call(lead), app.ID, "Kommunestyret trakk søknaden."))

	app = submitted()
	f.open = app.ID
	upload(lead, app.ID, trial.DocumentInput{Title: "Kommunestyrets vedtak", Kind: trial.DocCouncilDecision, Filename: "v.pdf"}, councilPDF)
	clock.Advance(time.Hour)
	return f
}

// memWriter is a FileWriter into memory, readable as an fs.FS.
type memWriter struct{ fs fstest.MapFS }

func (m *memWriter) WriteFile(name string, size int64, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if int64(len(b)) != size {
		return errors.New("size mismatch for " + name)
	}
	m.fs[name] = &fstest.MapFile{Data: b, Mode: 0o644}
	return nil
}

func (f *fixture) export(t *testing.T, o noark.Options) (*noark.Summary, fstest.MapFS) {
	t.Helper()
	o.Now, o.Location = f.clock.Now(), trialtest.Oslo
	w := &memWriter{fs: fstest.MapFS{}}
	sum := must[*noark.Summary](t)(noark.Export(ctx, f.store, f.store, o, w))
	return sum, w.fs
}

func TestExport(t *testing.T) {
	f := newFixture(t)
	sum, pkg := f.export(t, noark.Options{})
	if sum.Cases != 2 || sum.Documents != 4 || sum.JournalEntries != 4 {
		t.Errorf("got %d cases, %d documents, %d journal entries; want 2, 4, 4", sum.Cases, sum.Documents, sum.JournalEntries)
	}
	if err := noark.Check(pkg); err != nil {
		t.Errorf("Check: got %v, want nil", err)
	}
	dir := writeDir(t, pkg)
	validate(t, dir)

	as := string(pkg["avleveringspakke/arkivstruktur.xml"].Data)
	for _, want := range []string{
		"<saksaar>2026</saksaar>", "<sakssekvensnummer>1</sakssekvensnummer>", "<saksstatus>Avsluttet</saksstatus>",
		"<journalposttype>Inngående dokument</journalposttype>", "<journalposttype>Utgående dokument</journalposttype>",
		"<journalstatus>Arkivert</journalstatus>", "<tilknyttetRegistreringSom>Hoveddokument</tilknyttetRegistreringSom>",
		"<variantformat>Arkivformat</variantformat>", "<dokumentstatus>Dokumentet er ferdigstilt</dokumentstatus>",
		"<sjekksumAlgoritme>SHA256</sjekksumAlgoritme>", "<skjermingshjemmel>offl. § 13 jf. fvl. § 13 første ledd nr. 1</skjermingshjemmel>",
		"<korrespondanseparttype>Avsender</korrespondanseparttype>",
	} {
		if !strings.Contains(as, want) {
			t.Errorf("arkivstruktur.xml: got no %s", want)
		}
	}
	if strings.Contains(as, "DOKUMENT/"+f.open+"/") || pkg["avleveringspakke/DOKUMENT/"+f.open+"/1.pdf"] != nil {
		t.Errorf("the export holds the open case %s; want only ended cases", f.open)
	}
	for name, b := range map[string][]byte{f.rejected + "/1.pdf": councilPDF, f.rejected + "/2.txt": statement,
		f.rejected + "/3.txt": letter, f.withdrew + "/1.txt": withdrawal} {
		if got := pkg["avleveringspakke/DOKUMENT/"+name]; got == nil || !bytes.Equal(got.Data, b) {
			t.Errorf("DOKUMENT/%s: got %v, want the uploaded bytes", name, got)
		}
	}

	// The public journal shows what the public journal shows: the screened entry's
	// public title and "*****" for its correspondents, no statement of a ministry.
	pub := string(pkg["avleveringspakke/offentligJournal.xml"].Data)
	run := string(pkg["avleveringspakke/loependeJournal.xml"].Data)
	for _, c := range []struct {
		file, text string
		want       bool
	}{
		{pub, "Vedtak i sak om forsøk", true},
		{pub, "<korrespondansepartNavn>*****</korrespondansepartNavn>", true},
		{pub, "Vedtak om avslag", false},
		{pub, "KDs uttalelse", false},
		{pub, "<tilgangsrestriksjon>13</tilgangsrestriksjon>", true},
		{run, "Vedtak om avslag", true},
		{run, "KDs uttalelse", true},
	} {
		if got := strings.Contains(c.file, c.text); got != c.want {
			t.Errorf("journal contains %q: got %v, want %v", c.text, got, c.want)
		}
	}

	// Reproducible: the same store exports the same bytes.
	_, again := f.export(t, noark.Options{})
	for name, file := range pkg {
		if !bytes.Equal(again[name].Data, file.Data) {
			t.Errorf("%s differs between two exports of the same store", name)
		}
	}
}

func TestExport_Cases(t *testing.T) {
	f := newFixture(t)
	t.Run("OK", func(t *testing.T) {
		sum, pkg := f.export(t, noark.Options{Cases: []string{f.withdrew}})
		if sum.Cases != 1 || sum.Documents != 1 {
			t.Errorf("got %d cases, %d documents; want 1, 1", sum.Cases, sum.Documents)
		}
		if err := noark.Check(pkg); err != nil {
			t.Errorf("Check: got %v, want nil", err)
		}
		validate(t, writeDir(t, pkg))
	})
	t.Run("OKFilter", func(t *testing.T) {
		filter, err := trial.ParseFilter("state = WITHDRAWN", trialtest.Oslo)
		if err != nil {
			t.Fatal(err)
		}
		sum, pkg := f.export(t, noark.Options{Filter: filter})
		if sum.Cases != 1 || pkg["avleveringspakke/DOKUMENT/"+f.withdrew+"/1.txt"] == nil {
			t.Errorf("filter state = WITHDRAWN: got %d cases, want the withdrawn one only", sum.Cases)
		}
	})
	t.Run("ErrNoCases", func(t *testing.T) {
		filter, err := trial.ParseFilter("state = CLOSED", trialtest.Oslo)
		if err != nil {
			t.Fatal(err)
		}
		_, err = noark.Export(ctx, f.store, f.store, noark.Options{Filter: filter, Now: f.clock.Now()}, &memWriter{fs: fstest.MapFS{}})
		if !errors.Is(err, noark.ErrNoCases) {
			t.Errorf("no closed case: got %v, want ErrNoCases", err)
		}
	})
	t.Run("ErrNotEnded", func(t *testing.T) {
		_, err := noark.Export(ctx, f.store, f.store, noark.Options{Cases: []string{f.open}, Now: f.clock.Now()}, &memWriter{fs: fstest.MapFS{}})
		trialtest.WantErr(t, err, trial.CodeFailedPrecondition, "CASE_NOT_ENDED")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := noark.Export(ctx, f.store, f.store, noark.Options{Cases: []string{"2026-000999"}, Now: f.clock.Now()}, &memWriter{fs: fstest.MapFS{}})
		trialtest.WantErr(t, err, trial.CodeNotFound, "")
	})
}

// TestCheck_Errors: Check names a changed document, a wrong count, an unlisted file.
func TestCheck_Errors(t *testing.T) {
	f := newFixture(t)
	_, pkg := f.export(t, noark.Options{Cases: []string{f.withdrew}})
	for _, c := range []struct {
		name   string
		change func(fstest.MapFS)
		want   string
	}{
		{"ErrChangedDocument", func(m fstest.MapFS) {
			b := bytes.Clone(m["avleveringspakke/DOKUMENT/"+f.withdrew+"/1.txt"].Data)
			b[0] ^= 1
			m["avleveringspakke/DOKUMENT/"+f.withdrew+"/1.txt"] = &fstest.MapFile{Data: b}
		}, "the file's SHA-256"},
		{"ErrMissingDocument", func(m fstest.MapFS) { delete(m, "avleveringspakke/DOKUMENT/"+f.withdrew+"/1.txt") }, "DOKUMENT/" + f.withdrew + "/1.txt"},
		{"ErrUnlistedFile", func(m fstest.MapFS) { m["avleveringspakke/extra.txt"] = &fstest.MapFile{Data: []byte("x")} }, "not in arkivuttrekk.xml"},
		{"ErrCount", func(m fstest.MapFS) {
			p := "avleveringspakke/endringslogg.xml"
			b := bytes.Replace(m[p].Data, []byte("<endring>"), []byte("<endring><!-- -->"), 1)
			b = bytes.Replace(b, []byte("</endringslogg>"), []byte("<endring><referanseArkivenhet>00000000-0000-0000-0000-000000000000</referanseArkivenhet></endring></endringslogg>"), 1)
			m[p] = &fstest.MapFile{Data: b}
		}, "counts endring"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := fstest.MapFS{}
			for k, v := range pkg {
				m[k] = v
			}
			c.change(m)
			err := noark.Check(m)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Check: got %v, want an error naming %q", err, c.want)
			}
		})
	}
}

// TestExport_Golden pins a small export's arkivstruktur.xml (fixed clock; -update).
func TestExport_Golden(t *testing.T) {
	f := newFixture(t)
	_, pkg := f.export(t, noark.Options{Cases: []string{f.rejected}})
	got := pkg["avleveringspakke/arkivstruktur.xml"].Data
	golden := filepath.Join("testdata", "arkivstruktur.golden.xml")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("arkivstruktur.xml differs from %s (run go test ./internal/noark -run TestExport_Golden -update and review the diff):\n%s", golden, got)
	}
}

func TestTarWriter(t *testing.T) {
	f := newFixture(t)
	var buf bytes.Buffer
	tw := noark.NewTarWriter(&buf, f.clock.Now())
	must[*noark.Summary](t)(noark.Export(ctx, f.store, f.store, noark.Options{Now: f.clock.Now()}, tw))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			m[h.Name] = &fstest.MapFile{Data: must[[]byte](t)(io.ReadAll(tr))}
		}
	}
	if err := noark.Check(m); err != nil {
		t.Errorf("Check of the tar: got %v, want nil", err)
	}
}

func writeDir(t *testing.T, pkg fstest.MapFS) string {
	t.Helper()
	dir := t.TempDir()
	for name, f := range pkg {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// validate runs xmllint on every XML file of the package in dir against its vendored
// schema. Without xmllint the test skips, except in CI, where it fails.
func validate(t *testing.T, dir string) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("xmllint is missing in CI: .ci/run installs libxml2-utils")
		}
		t.Skip("xmllint not installed (Debian: libxml2-utils); CI validates")
	}
	root := filepath.Join(dir, noark.Root)
	schemas := map[string]string{"arkivuttrekk.xml": "addml.xsd", "arkivstruktur.xml": "arkivstruktur.xsd",
		"endringslogg.xml": "endringslogg.xsd", "loependeJournal.xml": "loependeJournal.xsd", "offentligJournal.xml": "offentligJournal.xsd"}
	for file, xsd := range schemas {
		out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join(root, xsd), filepath.Join(root, file)).CombinedOutput()
		if err != nil {
			t.Errorf("xmllint --schema %s %s: %v\n%s", xsd, file, err, out)
		}
	}
}
