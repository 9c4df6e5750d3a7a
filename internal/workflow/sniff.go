package workflow

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/forsok/forsok/internal/trial"
)

// The media types a document may have, recognised from its bytes (issue 12): what a
// case's paperwork is written in, and nothing that runs.
const (
	TypePDF  = "application/pdf"
	TypeODT  = "application/vnd.oasis.opendocument.text"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeText = "text/plain; charset=utf-8"
	TypeXML  = "application/xml"
)

// AcceptedTypes lists the media types sniff accepts.
var AcceptedTypes = []string{TypePDF, TypeODT, TypeDOCX, TypePNG, TypeJPEG, TypeText, TypeXML}

// sniff returns the media type of the size bytes in f, recognised from the content
// alone (a file's name and its claimed Content-Type are the uploader's word), or an
// INVALID_ARGUMENT error naming the file field.
func sniff(f io.ReaderAt, size int64) (string, error) {
	head := make([]byte, min(size, 1024))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", err
	}
	switch {
	case executable(head):
		// Before the PDF test: a polyglot executable may carry "%PDF-" near its start.
		return "", refuseType(describe(head))
	case bytes.Contains(head, []byte("%PDF-")):
		// PDF (PDF/A is a PDF with an archival profile): the header may follow up to
		// 1024 bytes of anything (ISO 32000-1, 7.5.2 and Annex H).
		return TypePDF, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(f, size)
	}
	text, err := validText(io.NewSectionReader(f, 0, size))
	if err != nil {
		return "", err
	}
	if text {
		trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
		if bytes.HasPrefix(trimmed, []byte("<?xml")) {
			return TypeXML, nil
		}
		return TypeText, nil
	}
	return "", refuseType(describe(head))
}

// sniffZip tells an OpenDocument text (its first entry "mimetype", stored, naming the
// type) and an Office Open XML word document ([Content_Types].xml declaring the main
// document) from any other zip.
func sniffZip(f io.ReaderAt, size int64) (string, error) {
	z, err := zip.NewReader(f, size)
	if err != nil {
		return "", refuseType("a damaged zip archive")
	}
	if len(z.File) > 0 && z.File[0].Name == "mimetype" {
		rc, err := z.File[0].Open()
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 128))
			rc.Close()
			if string(b) == TypeODT {
				return TypeODT, nil
			}
			return "", refuseType(fmt.Sprintf("an OpenDocument file of type %q (only text documents are accepted)", b))
		}
	}
	for _, zf := range z.File {
		if zf.Name != "[Content_Types].xml" {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
		rc.Close()
		if bytes.Contains(b, []byte("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")) &&
			slices.ContainsFunc(z.File, func(f *zip.File) bool { return f.Name == "word/document.xml" }) {
			return TypeDOCX, nil
		}
		if bytes.Contains(b, []byte("macroEnabled")) {
			return "", refuseType("an Office document with macros")
		}
	}
	return "", refuseType("a zip archive that is not an ODT or DOCX document")
}

// validText reports whether r is UTF-8 text: valid encoding, no NUL and no control
// characters but tab, newline, carriage return and form feed.
func validText(r io.Reader) (bool, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		c, size, err := br.ReadRune()
		switch {
		case err == io.EOF:
			return true, nil
		case err != nil:
			return false, err
		case c == utf8.RuneError && size == 1:
			return false, nil
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f', c == 0x7f:
			return false, nil
		}
	}
}

func executable(head []byte) bool {
	for _, magic := range [][]byte{[]byte("MZ"), []byte("\x7fELF"), {0xCF, 0xFA, 0xED, 0xFE}, {0xCA, 0xFE, 0xBA, 0xBE}} {
		if bytes.HasPrefix(head, magic) {
			return true
		}
	}
	return false
}

// describe names what a refused file looks like, for the error message.
func describe(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("MZ")):
		return "a Windows executable"
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "an ELF executable"
	case bytes.HasPrefix(head, []byte("#!")):
		return "a script"
	case bytes.HasPrefix(head, []byte{0xCF, 0xFA, 0xED, 0xFE}), bytes.HasPrefix(head, []byte{0xCA, 0xFE, 0xBA, 0xBE}):
		return "a Mach-O executable"
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "a GIF image"
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "a legacy Office (OLE) file"
	}
	return "binary data of an unknown type"
}

func refuseType(what string) error {
	return trial.Invalid([]trial.Violation{{Field: "file", Reason: "UNSUPPORTED_TYPE",
		Description: fmt.Sprintf("the file is %s; accepted are PDF (PDF/A included), ODT, DOCX, PNG, JPEG, UTF-8 plain text and XML, recognised from the content, not the name", what)}})
}
