package noark

import (
	"strconv"
	"time"
)

// listed is a file arkivuttrekk.xml describes: its path relative to Root, its SHA-256,
// and for an XML file its schema and the counts of the records it holds.
type listed struct {
	path, sha256 string
	size         int64
	schema       string       // "" for a document or a schema
	counts       []namedCount // element name → occurrences
}

type namedCount struct {
	name string
	n    int
}

// addml writes arkivuttrekk.xml (ADDML 8.3), the package's description: who created
// the archive, the period, and every file with its checksum, as dataObjects in the
// manner of Noark 5's arkivuttrekk.xml.
func addml(files []listed, start, end time.Time, o Options) []byte {
	w := newXML()
	w.open("addml", "xmlns", nsADDML, "xmlns:xsi", nsXSI, "xsi:schemaLocation", nsADDML+" addml.xsd")
	w.open("dataset")
	w.open("reference")
	w.open("context")
	w.open("additionalElements")
	w.open("additionalElement", "name", "recordCreators")
	w.open("additionalElements")
	w.open("additionalElement", "name", "recordCreator")
	w.open("properties")
	prop(w, "name", o.CreatorName)
	prop(w, "organisationNumber", o.CreatorID)
	w.close("properties")
	w.close("additionalElement")
	w.close("additionalElements")
	w.close("additionalElement")
	w.open("additionalElement", "name", "systemType")
	w.el("value", "Noark5")
	w.close("additionalElement")
	w.open("additionalElement", "name", "systemName")
	w.el("value", "forsok")
	w.close("additionalElement")
	w.close("additionalElements")
	w.close("context")
	w.open("content")
	w.open("additionalElements")
	w.open("additionalElement", "name", "archivalPeriod")
	w.open("properties")
	prop(w, "startDate", date(start, o.Location))
	prop(w, "endDate", date(end, o.Location))
	w.close("properties")
	w.close("additionalElement")
	w.open("additionalElement", "name", "exportDate")
	w.el("value", dateTime(o.Now))
	w.close("additionalElement")
	w.close("additionalElements")
	w.close("content")
	w.close("reference")

	w.open("dataObjects")
	w.open("dataObject", "name", "Noark 5 arkivuttrekk")
	w.open("dataObjects")
	for _, f := range files {
		w.open("dataObject", "name", f.path)
		w.open("properties")
		w.open("property", "name", "file")
		w.open("properties")
		prop(w, "name", f.path)
		prop(w, "size", strconv.FormatInt(f.size, 10))
		if f.schema != "" {
			prop(w, "schema", f.schema)
		}
		w.open("property", "name", "checksum")
		w.open("properties")
		prop(w, "algorithm", sjekksumSHA256)
		prop(w, "value", f.sha256)
		w.close("properties")
		w.close("property")
		w.close("properties")
		w.close("property")
		if len(f.counts) > 0 {
			w.open("property", "name", "info")
			w.open("properties")
			w.open("property", "name", "numberOfOccurrences")
			w.open("properties")
			for _, c := range f.counts {
				prop(w, c.name, strconv.Itoa(c.n))
			}
			w.close("properties")
			w.close("property")
			w.close("properties")
			w.close("property")
		}
		w.close("properties")
		w.close("dataObject")
	}
	w.close("dataObjects")
	w.close("dataObject")
	w.close("dataObjects")
	w.close("dataset")
	w.close("addml")
	return w.b.Bytes()
}

func prop(w *xmlw, name, value string) {
	w.open("property", "name", name)
	w.el("value", value)
	w.close("property")
}
