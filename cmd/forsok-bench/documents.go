package main

// The documents phase: uploading and downloading files of a few sizes over gRPC
// (UploadDocument, DownloadDocument streams) and REST (a raw body, GET :download),
// one transfer at a time, measuring MiB/s and each transfer's latency.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/metadata"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// DocFigure is one transport, direction and size of the documents phase.
type DocFigure struct {
	Transport string `json:"transport"`
	Direction string `json:"direction"`
	SizeMiB   int    `json:"sizeMiB"`
	// MiBPerSec is the bytes moved over the time the transfers took, one at a time.
	MiBPerSec float64 `json:"mibPerSecond"`
	Figure
}

// docChunk is the size of a gRPC upload's chunks, the proto's advice, and of the
// generated content's blocks.
const docChunk = 256 << 10

// docContent is a file's worth of plain UTF-8 text (the server types files from their
// bytes and takes text). Every 256 KiB block starts with the file's and the block's
// number, so that no two blocks are alike: the store keeps identical chunks once, and
// repeated content would measure that instead of the writes.
type docContent struct {
	base       []byte // one block of random letters and line feeds
	file, size int64
	off        int64
	scratch    []byte // the block being read, with its header
}

func newDocBase() []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	letters := []rune("abcdefghijklmnopqrstuvwxyzæøå ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	b := make([]byte, 0, docChunk+4)
	for len(b) < docChunk {
		if len(b)%80 == 79 {
			b = append(b, '\n')
			continue
		}
		b = utf8.AppendRune(b, letters[rng.IntN(len(letters))])
	}
	// Cut at a line feed so that no character is split between blocks.
	return b[:strings.LastIndexByte(string(b[:docChunk]), '\n')+1]
}

func (c *docContent) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	block, at := c.off/int64(len(c.base)), c.off%int64(len(c.base))
	buf := c.base
	if at < 40 { // the header, "file N block M\n", is 38 bytes
		c.scratch = append(c.scratch[:0], c.base...)
		copy(c.scratch, fmt.Sprintf("file %12d block %12d\n", c.file, block))
		buf = c.scratch
	}
	n := copy(p, buf[at:min(int64(len(buf)), at+c.size-c.off)])
	c.off += int64(n)
	return n, nil
}

// documentsPhase uploads and downloads transfers files of each size over each
// transport, as KDD (which may attach OTHER documents to any case), spreading the
// uploads over the cases so that none reaches its total limit.
func documentsPhase(ctx context.Context, api forsokv1.ApplicationServiceClient, client *http.Client, base, token string,
	cases []string, sizesMiB []int, transfers int) []DocFigure {
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	docBase := newDocBase()
	var out []DocFigure
	var file int64
	for _, transport := range []string{"gRPC", "REST"} {
		for _, size := range sizesMiB {
			type doc struct{ name, sha string }
			var docs []doc
			measure := func(direction string, op func(i int) error) {
				var lat []time.Duration
				var errs int
				var first error
				start := time.Now()
				for i := range transfers {
					t := time.Now()
					if err := op(i); err != nil {
						errs++
						if first == nil {
							first = err
						}
						continue
					}
					lat = append(lat, time.Since(t))
				}
				var busy time.Duration
				for _, l := range lat {
					busy += l
				}
				f := DocFigure{Transport: transport, Direction: direction, SizeMiB: size, Figure: summarize(lat, errs, time.Since(start))}
				if first != nil {
					f.FirstErr = first.Error()
				}
				if busy > 0 {
					f.MiBPerSec = float64(len(lat)*size) / busy.Seconds()
				}
				out = append(out, f)
			}
			measure("upload", func(int) error {
				file++
				content := &docContent{base: docBase, file: file, size: int64(size) << 20}
				h := sha256.New()
				parent := cases[int(file)%len(cases)]
				var name string
				var err error
				if transport == "gRPC" {
					name, err = uploadGRPC(ctx, api, parent, file, io.TeeReader(content, h))
				} else {
					name, err = uploadREST(ctx, client, base, token, parent, file, content.size, io.TeeReader(content, h))
				}
				if err == nil {
					docs = append(docs, doc{name, hex.EncodeToString(h.Sum(nil))})
				}
				return err
			})
			measure("download", func(i int) error {
				if i >= len(docs) {
					return errors.New("no uploaded document to download")
				}
				h := sha256.New()
				var err error
				if transport == "gRPC" {
					err = downloadGRPC(ctx, api, docs[i].name, h)
				} else {
					err = downloadREST(ctx, client, base, token, docs[i].name, h)
				}
				if got := hex.EncodeToString(h.Sum(nil)); err == nil && got != docs[i].sha {
					err = fmt.Errorf("%s: downloaded sha256 %s, uploaded %s", docs[i].name, got, docs[i].sha)
				}
				return err
			})
		}
	}
	return out
}

func uploadGRPC(ctx context.Context, api forsokv1.ApplicationServiceClient, parent string, file int64, content io.Reader) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := api.UploadDocument(ctx)
	if err != nil {
		return "", err
	}
	md := &forsokv1.UploadDocumentMetadata{Parent: parent, Document: &forsokv1.Document{
		Title: fmt.Sprintf("Benchmark %d", file), Kind: forsokv1.Document_OTHER, Filename: fmt.Sprintf("bench-%d.txt", file)}}
	if err := stream.Send(&forsokv1.UploadDocumentRequest{Content: &forsokv1.UploadDocumentRequest_Metadata{Metadata: md}}); err != nil {
		_, rerr := stream.CloseAndRecv()
		return "", errors.Join(err, rerr)
	}
	buf := make([]byte, docChunk)
	for {
		n, rerr := io.ReadFull(content, buf)
		if n > 0 {
			if err := stream.Send(&forsokv1.UploadDocumentRequest{Content: &forsokv1.UploadDocumentRequest_Chunk{Chunk: buf[:n]}}); err != nil {
				_, cerr := stream.CloseAndRecv()
				return "", errors.Join(err, cerr)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return "", rerr
		}
	}
	d, err := stream.CloseAndRecv()
	if err != nil {
		return "", err
	}
	return d.GetName(), nil
}

func uploadREST(ctx context.Context, client *http.Client, base, token, parent string, file, size int64, content io.Reader) (string, error) {
	q := url.Values{"title": {fmt.Sprintf("Benchmark %d", file)}, "kind": {"OTHER"}, "filename": {fmt.Sprintf("bench-%d.txt", file)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/"+parent+"/documents?"+q.Encode(), content)
	if err != nil {
		return "", err
	}
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("POST documents: status %d: %s", res.StatusCode, body)
	}
	var d struct{ Name string }
	if err := json.Unmarshal(body, &d); err != nil || d.Name == "" {
		return "", fmt.Errorf("POST documents: no document in %q (%v)", body, err)
	}
	return d.Name, nil
}

func downloadGRPC(ctx context.Context, api forsokv1.ApplicationServiceClient, name string, w io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := api.DownloadDocument(ctx, &forsokv1.DownloadDocumentRequest{Name: name})
	if err != nil {
		return err
	}
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := w.Write(msg.GetChunk()); err != nil {
			return err
		}
	}
}

func downloadREST(ctx context.Context, client *http.Client, base, token, name string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/"+name+":download", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("GET %s:download: status %d: %s", name, res.StatusCode, b)
	}
	_, err = io.Copy(w, res.Body)
	return err
}

// parseSizes parses -doc-sizes, "10,50": sizes in MiB.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-doc-sizes: %q is not a size in MiB", part)
		}
		out = append(out, n)
	}
	return out, nil
}
