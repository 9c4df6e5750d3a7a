package noark

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"time"
)

// xmlw writes indented XML in the exact element order the code calls it in: the XSDs
// fix the order of every sequence, and a writer that says each element in turn reads
// against the schema line by line, where struct tags would hide it.
type xmlw struct {
	b     bytes.Buffer
	depth int
}

func newXML() *xmlw {
	w := &xmlw{}
	w.b.WriteString(xml.Header)
	return w
}

func (w *xmlw) indent() { w.b.WriteString(strings.Repeat("  ", w.depth)) }

// open starts an element; attrs are name, value pairs.
func (w *xmlw) open(name string, attrs ...string) {
	w.indent()
	w.b.WriteString("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteString(" " + attrs[i] + `="`)
		_ = xml.EscapeText(&w.b, []byte(attrs[i+1]))
		w.b.WriteString(`"`)
	}
	w.b.WriteString(">\n")
	w.depth++
}

func (w *xmlw) close(name string) {
	w.depth--
	w.indent()
	w.b.WriteString("</" + name + ">\n")
}

// el writes <name>value</name>.
func (w *xmlw) el(name, value string) {
	w.indent()
	w.b.WriteString("<" + name + ">")
	_ = xml.EscapeText(&w.b, []byte(value))
	w.b.WriteString("</" + name + ">\n")
}

// opt writes the element only when value is not empty (minOccurs="0").
func (w *xmlw) opt(name, value string) {
	if value != "" {
		w.el(name, value)
	}
}

func (w *xmlw) int(name string, v int64) { w.el(name, strconv.FormatInt(v, 10)) }

// dateTime is xs:dateTime, in UTC to the second.
func dateTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// date is xs:date in loc.
func date(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }
