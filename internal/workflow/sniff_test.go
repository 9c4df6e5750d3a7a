package workflow

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"

	"github.com/forsok/forsok/internal/trial"
)

func zipOf(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, f := range files {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f[0], Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(f[1]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniff(t *testing.T) {
	docxTypes := `<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`
	tests := []struct {
		name string
		data []byte
		want string // "" for refused
	}{
		{"OK_PDF", []byte("%PDF-1.7\n1 0 obj\n%%EOF\n"), TypePDF},
		{"OK_PDFA", []byte("%PDF-1.4\n<x:xmpmeta><pdfaid:part>2</pdfaid:part></x:xmpmeta>\n%%EOF"), TypePDF},
		{"OK_PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), TypePNG},
		{"OK_JPEG", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}, TypeJPEG},
		{"OK_Text", []byte("Kommunestyret vedtok søknaden.\r\n"), TypeText},
		{"OK_XML", []byte("\xEF\xBB\xBF<?xml version=\"1.0\"?><a>æ</a>"), TypeXML},
		{"OK_ODT", zipOf(t, [2]string{"mimetype", TypeODT}, [2]string{"content.xml", "<x/>"}), TypeODT},
		{"OK_DOCX", zipOf(t, [2]string{"[Content_Types].xml", docxTypes}, [2]string{"word/document.xml", "<w/>"}), TypeDOCX},
		{"ErrExecutableNamedPDF", append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 64)...), ""},
		{"ErrPolyglotExecutable", append([]byte("MZ%PDF-1.7\n"), 0), ""},
		{"ErrELF", []byte("\x7fELF\x02\x01\x01\x00"), ""},
		{"ErrOtherZip", zipOf(t, [2]string{"a.exe", "MZ"}), ""},
		{"ErrSpreadsheet", zipOf(t, [2]string{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"}), ""},
		{"ErrInvalidUTF8", []byte("abc\xff\xfe"), ""},
		{"ErrNUL", []byte("abc\x00def"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sniff(bytes.NewReader(tc.data), int64(len(tc.data)))
			if tc.want == "" {
				var e *trial.Error
				if !errors.As(err, &e) || e.Code != trial.CodeInvalidArgument || e.Violations[0].Field != "file" {
					t.Fatalf("got %q, %v; want INVALID_ARGUMENT naming file", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
