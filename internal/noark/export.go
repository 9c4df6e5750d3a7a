package noark

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"path"
	"time"

	"github.com/forsok/forsok/internal/workflow"
)

//go:embed schemas/*.xsd
var schemas embed.FS

// SchemaFiles are the vendored schemas every package carries (schemas/README.md says
// where they come from).
var SchemaFiles = []string{"addml.xsd", "arkivstruktur.xsd", "endringslogg.xsd", "loependeJournal.xsd", "metadatakatalog.xsd", "offentligJournal.xsd"}

// Schema returns a vendored schema's bytes.
func Schema(name string) ([]byte, error) { return schemas.ReadFile("schemas/" + name) }

// Summary says what an export wrote.
type Summary struct {
	Cases, JournalEntries, Documents, Files int
	Bytes                                   int64
}

// Export writes the package of the ended cases o selects to w: the XML files and
// schemas first, arkivuttrekk.xml, then each document's bytes read from content in
// bounded memory and checked against its SHA-256 and size as they are written (a
// changed byte in the store fails the export rather than deposit a false checksum).
// The store is read in one snapshot.
func Export(ctx context.Context, store workflow.Store, content workflow.ContentStore, o Options, w FileWriter) (*Summary, error) {
	o.defaults()
	cases, err := collect(ctx, store, o)
	if err != nil {
		return nil, err
	}
	start, end := period(cases)
	sum := &Summary{Cases: len(cases)}

	var list []listed
	var out []struct {
		name string
		b    []byte
	}
	add := func(name, schema string, b []byte, counts ...namedCount) {
		h := sha256.Sum256(b)
		list = append(list, listed{path: name, sha256: hex.EncodeToString(h[:]), size: int64(len(b)), schema: schema, counts: counts})
		out = append(out, struct {
			name string
			b    []byte
		}{name, b})
	}
	as, n, docs := arkivstruktur(cases, o)
	add("arkivstruktur.xml", "arkivstruktur.xsd", as,
		namedCount{"arkiv", 1}, namedCount{"arkivdel", 1}, namedCount{"klassifikasjonssystem", 1}, namedCount{"klasse", 1},
		namedCount{"mappe", n.mapper}, namedCount{"registrering", n.registreringer},
		namedCount{"dokumentbeskrivelse", n.dokumentbeskrivelser}, namedCount{"dokumentobjekt", n.dokumentobjekter})
	el, changes := endringslogg(cases)
	add("endringslogg.xml", "endringslogg.xsd", el, namedCount{"endring", changes})
	for _, j := range []journal{loependeJournal, offentligJournal} {
		if b, k := j.write(cases, o); b != nil {
			add(j.root+".xml", j.root+".xsd", b, namedCount{"journalregistrering", k})
		}
		if !j.public {
			_, e := j.entries(cases)
			sum.JournalEntries = len(e)
		}
	}
	for _, s := range SchemaFiles {
		b, err := Schema(s)
		if err != nil {
			return nil, err
		}
		add(s, "", b)
	}
	for _, f := range docs {
		list = append(list, listed{path: f.path, sha256: f.doc.SHA256, size: f.doc.SizeBytes})
	}
	manifest := addml(list, start, end, o)
	for _, f := range append(out, struct {
		name string
		b    []byte
	}{"arkivuttrekk.xml", manifest}) {
		if err := w.WriteFile(path.Join(Root, f.name), int64(len(f.b)), bytes.NewReader(f.b)); err != nil {
			return nil, err
		}
		sum.Files++
		sum.Bytes += int64(len(f.b))
	}
	for _, f := range docs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h := sha256.New()
		r := &checked{r: &chunkReader{ctx: ctx, content: content, chunks: f.doc.Chunks}, h: h, want: f.doc.SizeBytes}
		if err := w.WriteFile(path.Join(Root, f.path), f.doc.SizeBytes, r); err != nil {
			return nil, fmt.Errorf("noark: write %s: %w", f.path, err)
		}
		if r.n != f.doc.SizeBytes || hex.EncodeToString(h.Sum(nil)) != f.doc.SHA256 {
			return nil, fmt.Errorf("noark: document %s: the stored bytes (%d, sha256 %x) are not the document's (%d, sha256 %s); run forsokd verify",
				f.path, r.n, h.Sum(nil), f.doc.SizeBytes, f.doc.SHA256)
		}
		sum.Documents++
		sum.Files++
		sum.Bytes += f.doc.SizeBytes
	}
	return sum, nil
}

// chunkReader reads a document's chunks one at a time.
type chunkReader struct {
	ctx     context.Context
	content workflow.ContentStore
	chunks  []string
	buf     []byte
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if len(r.chunks) == 0 {
			return 0, io.EOF
		}
		b, err := r.content.Chunk(r.ctx, r.chunks[0])
		if err != nil {
			return 0, fmt.Errorf("read chunk %s: %w", r.chunks[0], err)
		}
		r.buf, r.chunks = b, r.chunks[1:]
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// checked hashes and counts what it reads, and yields at most want bytes, so that a
// writer that was promised want bytes never gets more.
type checked struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	want int64
}

func (c *checked) Read(p []byte) (int, error) {
	if c.n >= c.want {
		// Anything beyond the size is a changed document: count one more byte so that
		// the check after the write fails.
		var one [1]byte
		if k, _ := c.r.Read(one[:]); k > 0 {
			c.n++
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.want-c.n {
		p = p[:c.want-c.n]
	}
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// TarWriter writes a package as a tar stream (GET /v1/archive:export).
type TarWriter struct {
	tw      *tar.Writer
	modTime time.Time
	dirs    map[string]bool
}

// NewTarWriter returns a FileWriter onto w; every entry gets modTime, so the same
// export is the same stream. Close finishes the stream.
func NewTarWriter(w io.Writer, modTime time.Time) *TarWriter {
	return &TarWriter{tw: tar.NewWriter(w), modTime: modTime.UTC().Truncate(time.Second), dirs: map[string]bool{}}
}

// WriteFile implements FileWriter; the folders come first, as tar readers expect.
func (t *TarWriter) WriteFile(name string, size int64, r io.Reader) error {
	if err := t.dir(path.Dir(name)); err != nil {
		return err
	}
	if err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o644, ModTime: t.modTime, Format: tar.FormatPAX}); err != nil {
		return err
	}
	n, err := io.Copy(t.tw, r)
	if err == nil && n != size {
		err = fmt.Errorf("tar: %s: wrote %d bytes, want %d", name, n, size)
	}
	return err
}

func (t *TarWriter) dir(d string) error {
	if d == "." || d == "/" || t.dirs[d] {
		return nil
	}
	if err := t.dir(path.Dir(d)); err != nil {
		return err
	}
	t.dirs[d] = true
	return t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: t.modTime, Format: tar.FormatPAX})
}

// Close writes the tar stream's end.
func (t *TarWriter) Close() error { return t.tw.Close() }
