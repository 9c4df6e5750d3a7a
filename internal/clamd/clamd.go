// Package clamd is a client of ClamAV's daemon, clamd, over its INSTREAM protocol: the
// workflow's virus Scanner. It is an adapter: it knows the wire protocol and nothing of
// cases.
//
// The protocol (clamd(8), "INSTREAM"): the client sends "zINSTREAM\x00", then the data
// as chunks, each a 4-byte big-endian length followed by that many bytes, and a chunk of
// length zero to end; clamd answers one NUL-terminated line, "stream: OK" for clean
// data, "stream: <signature> FOUND" for malware, or "... ERROR" (for example "INSTREAM
// size limit exceeded. ERROR").
package clamd

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// chunkSize is the size of the chunks sent; clamd's StreamMaxLength limits the total.
const chunkSize = 64 << 10

// Client scans data with clamd at an address.
type Client struct {
	// Network is "tcp" or "unix"; Address the host:port or the socket's path.
	Network, Address string
	// Timeout bounds one scan (default one minute).
	Timeout time.Duration
}

// Parse returns a client for an address as the -clamd flag gives it:
// "tcp:127.0.0.1:3310", "unix:/run/clamav/clamd.ctl", or a bare host:port.
func Parse(addr string) (*Client, error) {
	network, rest, ok := strings.Cut(addr, ":")
	switch {
	case ok && (network == "tcp" || network == "unix") && rest != "":
		return &Client{Network: network, Address: rest}, nil
	case strings.HasPrefix(addr, "/"):
		return &Client{Network: "unix", Address: addr}, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("clamd address %q: want tcp:HOST:PORT or unix:PATH", addr)
	}
	return &Client{Network: "tcp", Address: addr}, nil
}

// Scan implements workflow.Scanner.
func (c *Client) Scan(ctx context.Context, r io.Reader) (infected bool, signature string, err error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.Network, c.Address)
	if err != nil {
		return false, "", fmt.Errorf("clamd: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	w := bufio.NewWriterSize(conn, chunkSize+4)
	if _, err := w.WriteString("zINSTREAM\x00"); err != nil {
		return false, "", fmt.Errorf("clamd: %w", err)
	}
	buf := make([]byte, chunkSize)
	var size [4]byte
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			binary.BigEndian.PutUint32(size[:], uint32(n))
			if _, err := w.Write(size[:]); err != nil {
				return false, "", c.writeErr(conn, err)
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return false, "", c.writeErr(conn, err)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return false, "", fmt.Errorf("clamd: read the data: %w", rerr)
		}
	}
	binary.BigEndian.PutUint32(size[:], 0)
	if _, err := w.Write(size[:]); err != nil {
		return false, "", c.writeErr(conn, err)
	}
	if err := w.Flush(); err != nil {
		return false, "", c.writeErr(conn, err)
	}
	return readReply(conn)
}

// writeErr reports a failed write, with clamd's reply if it sent one before closing
// (it does when the stream is over its size limit).
func (c *Client) writeErr(conn net.Conn, err error) error {
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	if _, _, rerr := readReply(conn); rerr != nil && !errors.Is(rerr, io.EOF) {
		return rerr
	}
	return fmt.Errorf("clamd: %w", err)
}

func readReply(conn net.Conn) (bool, string, error) {
	line, err := bufio.NewReader(conn).ReadString(0)
	if err != nil && line == "" {
		return false, "", fmt.Errorf("clamd: read the reply: %w", err)
	}
	line = strings.TrimRight(line, "\x00\n")
	rest, ok := strings.CutPrefix(line, "stream: ")
	switch {
	case ok && rest == "OK":
		return false, "", nil
	case ok && strings.HasSuffix(rest, " FOUND"):
		return true, strings.TrimSuffix(rest, " FOUND"), nil
	}
	return false, "", fmt.Errorf("clamd: %s", line)
}
