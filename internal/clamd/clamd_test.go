package clamd_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/forsok/forsok/internal/clamd"
)

func TestClient_Scan(t *testing.T) {
	fake, err := clamd.StartFake()
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	c, err := clamd.Parse(fake.Addr())
	if err != nil {
		t.Fatal(err)
	}
	// The test string across a chunk boundary of the client (64 KiB).
	split := append(bytes.Repeat([]byte("a"), 64<<10-10), clamd.EICAR...)
	tests := []struct {
		name      string
		data      []byte
		infected  bool
		signature string
	}{
		{"OK_Clean", []byte("%PDF-1.7 rent dokument"), false, ""},
		{"OK_Large", bytes.Repeat([]byte("x"), 300<<10), false, ""},
		{"ErrEICAR", []byte(clamd.EICAR), true, "Eicar-Test-Signature"},
		{"ErrEICARAcrossChunks", split, true, "Eicar-Test-Signature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			infected, sig, err := c.Scan(t.Context(), bytes.NewReader(tc.data))
			if err != nil || infected != tc.infected || sig != tc.signature {
				t.Errorf("got %v %q %v, want %v %q", infected, sig, err, tc.infected, tc.signature)
			}
		})
	}
	if got := fake.Scans(); got != len(tests) {
		t.Errorf("scans: got %d, want %d", got, len(tests))
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, network, addr string }{
		{"tcp:127.0.0.1:3310", "tcp", "127.0.0.1:3310"},
		{"unix:/run/clamav/clamd.ctl", "unix", "/run/clamav/clamd.ctl"},
		{"/run/clamav/clamd.ctl", "unix", "/run/clamav/clamd.ctl"},
		{"localhost:3310", "tcp", "localhost:3310"},
	} {
		c, err := clamd.Parse(tc.in)
		if err != nil || c.Network != tc.network || c.Address != tc.addr {
			t.Errorf("Parse(%q): got %+v %v, want %s %s", tc.in, c, err, tc.network, tc.addr)
		}
	}
	if _, err := clamd.Parse("nonsense"); err == nil || !strings.Contains(err.Error(), "want tcp:") {
		t.Errorf("Parse(nonsense): got %v, want an error", err)
	}
}

func TestClient_ScanUnreachable(t *testing.T) {
	c := &clamd.Client{Network: "tcp", Address: "127.0.0.1:1"}
	if _, _, err := c.Scan(t.Context(), strings.NewReader("x")); err == nil {
		t.Error("scan with no clamd: got no error")
	}
}
