package clamd

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
)

// EICAR is the EICAR anti-virus test file, which every scanner reports as
// "Eicar-Test-Signature" (a harmless string, https://www.eicar.org).
const EICAR = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// Fake is a small clamd for tests: it speaks the real INSTREAM protocol on a loopback
// listener and reports the EICAR test string as "Eicar-Test-Signature".
type Fake struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	scans int
}

// StartFake listens on 127.0.0.1:0 and serves until Close.
func StartFake() (*Fake, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &Fake{ln: ln}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.serve(conn)
			}()
		}
	}()
	return f, nil
}

// Addr returns the address as the -clamd flag takes it, "tcp:127.0.0.1:PORT".
func (f *Fake) Addr() string { return "tcp:" + f.ln.Addr().String() }

// Scans returns how many streams were scanned.
func (f *Fake) Scans() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.scans
}

// Close stops the listener and waits for the connections.
func (f *Fake) Close() error {
	err := f.ln.Close()
	f.wg.Wait()
	return err
}

func (f *Fake) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	cmd, err := r.ReadString(0)
	if err != nil || cmd != "zINSTREAM\x00" {
		_, _ = conn.Write([]byte("UNKNOWN COMMAND\x00"))
		return
	}
	// Keep only a window around each chunk boundary: enough to find the 68-byte test
	// string wherever it lies, without holding the stream.
	var tail []byte
	found := false
	for {
		var size [4]byte
		if _, err := io.ReadFull(r, size[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(size[:])
		if n == 0 {
			break
		}
		chunk := make([]byte, n)
		if _, err := io.ReadFull(r, chunk); err != nil {
			return
		}
		window := append(tail, chunk...)
		if bytes.Contains(window, []byte(EICAR)) {
			found = true
		}
		tail = append([]byte(nil), window[max(0, len(window)-len(EICAR)):]...)
	}
	f.mu.Lock()
	f.scans++
	f.mu.Unlock()
	if found {
		_, _ = conn.Write([]byte("stream: Eicar-Test-Signature FOUND\x00"))
		return
	}
	_, _ = conn.Write([]byte("stream: OK\x00"))
}
