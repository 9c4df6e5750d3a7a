package noark

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// node is any XML element, for reading a package back.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n *node) walk(fn func(*node)) {
	fn(n)
	for i := range n.Nodes {
		n.Nodes[i].walk(fn)
	}
}

func (n *node) child(name string) *node {
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Local == name {
			return &n.Nodes[i]
		}
	}
	return nil
}

func (n *node) text(name string) string {
	if c := n.child(name); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// properties returns a <properties> block's property values by name, and the property
// nodes themselves.
func properties(n *node) (map[string]string, map[string]*node) {
	vals, nodes := map[string]string{}, map[string]*node{}
	if ps := n.child("properties"); ps != nil {
		for i := range ps.Nodes {
			p := &ps.Nodes[i]
			name := p.attr("name")
			vals[name] = p.text("value")
			nodes[name] = p
		}
	}
	return vals, nodes
}

func readXML(fsys fs.FS, name string) (*node, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var n node
	if err := xml.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &n, nil
}

// Check verifies a written package in fsys (holding Root) as Arkivverket's validator
// arkade does, beyond the schemas: every file arkivuttrekk.xml lists exists with its
// size and SHA-256, the record counts it states are the files' counts, every file in
// the package is listed, systemIDs in arkivstruktur.xml are unique, every
// dokumentobjekt's file exists with its sjekksum and filstoerrelse, no file in DOKUMENT/
// is unreferenced, and the journals' and the change log's references resolve to units
// of arkivstruktur.xml. It returns every problem found, joined.
func Check(fsys fs.FS) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	root, err := fs.Sub(fsys, Root)
	if err != nil {
		return err
	}
	manifest, err := readXML(root, "arkivuttrekk.xml")
	if err != nil {
		return fmt.Errorf("arkivuttrekk.xml: %w", err)
	}
	listedFiles := map[string]bool{"arkivuttrekk.xml": true}
	manifest.walk(func(n *node) {
		if n.XMLName.Local != "dataObject" {
			return
		}
		_, props := properties(n)
		file := props["file"]
		if file == nil {
			return
		}
		fv, fp := properties(file)
		name := fv["name"]
		listedFiles[name] = true
		b, err := fs.ReadFile(root, name)
		if err != nil {
			bad("arkivuttrekk.xml lists %s: %v", name, err)
			return
		}
		if size, _ := strconv.ParseInt(fv["size"], 10, 64); size != int64(len(b)) {
			bad("%s: arkivuttrekk.xml says %s bytes, the file has %d", name, fv["size"], len(b))
		}
		if cs := fp["checksum"]; cs == nil {
			bad("%s: arkivuttrekk.xml gives no checksum", name)
		} else if cv, _ := properties(cs); cv["algorithm"] != sjekksumSHA256 || cv["value"] != sha256Hex(b) {
			bad("%s: arkivuttrekk.xml says %s %s, the file's SHA-256 is %s", name, cv["algorithm"], cv["value"], sha256Hex(b))
		}
		if info := props["info"]; info != nil {
			_, ip := properties(info)
			if occ := ip["numberOfOccurrences"]; occ != nil {
				want, _ := properties(occ)
				got := countElements(b)
				for el, v := range want {
					if strconv.Itoa(got[el]) != v {
						bad("%s: arkivuttrekk.xml counts %s %s, the file has %d", name, el, v, got[el])
					}
				}
			}
		}
	})
	_ = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !listedFiles[p] {
			bad("%s is in the package but not in arkivuttrekk.xml", p)
		}
		return nil
	})

	as, err := readXML(root, "arkivstruktur.xml")
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	ids := map[string]string{} // systemID → element
	referenced := map[string]bool{}
	as.walk(func(n *node) {
		if id := n.text("systemID"); n.child("systemID") != nil {
			if prev, dup := ids[id]; dup {
				bad("arkivstruktur.xml: systemID %s is both a %s and a %s", id, prev, n.XMLName.Local)
			}
			ids[id] = n.XMLName.Local
		}
		if n.XMLName.Local != "dokumentobjekt" {
			return
		}
		ref := n.text("referanseDokumentfil")
		referenced[ref] = true
		if !strings.HasPrefix(ref, "DOKUMENT/") || path.Clean(ref) != ref {
			bad("dokumentobjekt %s: referanseDokumentfil %q is not a path under DOKUMENT/", n.text("systemID"), ref)
			return
		}
		f, err := root.Open(ref)
		if err != nil {
			bad("dokumentobjekt %s: %v", n.text("systemID"), err)
			return
		}
		defer f.Close()
		h := sha256.New()
		size, err := io.Copy(h, f)
		if err != nil {
			bad("dokumentobjekt %s: %v", n.text("systemID"), err)
			return
		}
		if n.text("sjekksumAlgoritme") != sjekksumSHA256 || n.text("sjekksum") != hex.EncodeToString(h.Sum(nil)) {
			bad("%s: sjekksum %s %s, the file's SHA-256 is %x", ref, n.text("sjekksumAlgoritme"), n.text("sjekksum"), h.Sum(nil))
		}
		if n.text("filstoerrelse") != strconv.FormatInt(size, 10) {
			bad("%s: filstoerrelse %s, the file has %d bytes", ref, n.text("filstoerrelse"), size)
		}
	})
	_ = fs.WalkDir(root, "DOKUMENT", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !referenced[p] {
			bad("%s is in DOKUMENT/ but no dokumentobjekt refers to it", p)
		}
		return nil
	})
	if el, err := readXML(root, "endringslogg.xml"); err != nil {
		bad("endringslogg.xml: %v", err)
	} else {
		el.walk(func(n *node) {
			if n.XMLName.Local == "endring" && ids[n.text("referanseArkivenhet")] == "" {
				bad("endringslogg.xml: referanseArkivenhet %s is no unit of arkivstruktur.xml", n.text("referanseArkivenhet"))
			}
		})
	}
	for _, j := range []string{"loependeJournal.xml", "offentligJournal.xml"} {
		if !listedFiles[j] {
			continue
		}
		jn, err := readXML(root, j)
		if err != nil {
			bad("%s: %v", j, err)
			continue
		}
		jn.walk(func(n *node) {
			if n.XMLName.Local == "journalpost" && ids[n.text("systemID")] != "registrering" {
				bad("%s: journalpost %s is no registrering of arkivstruktur.xml", j, n.text("systemID"))
			}
		})
	}
	return errors.Join(errs...)
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// countElements counts the elements of an XML file by local name.
func countElements(b []byte) map[string]int {
	counts := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		t, err := d.Token()
		if err != nil {
			return counts
		}
		if s, ok := t.(xml.StartElement); ok {
			counts[s.Name.Local]++
		}
	}
}
