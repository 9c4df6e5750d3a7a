package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	forsokv1 "github.com/forsok/forsok/api/forsok/v1"
)

// session is what a command runs with: the client and where and how to print.
type session struct {
	api            forsokv1.ApplicationServiceClient
	stdout, stderr io.Writer
	json           bool
	now            func() time.Time
}

// emit prints the response: as protojson with -o json, else through text, whose
// tabs align columns.
func (s *session) emit(m proto.Message, text func(w io.Writer)) error {
	if s.json {
		return s.writeProtoJSON(m)
	}
	w := s.table()
	text(w)
	return w.Flush()
}

// writeProtoJSON prints m as protojson, as the REST API gives it (lowerCamelCase
// names, enums by name, unset fields left out), indented by encoding/json so that the
// same answer always prints the same bytes (protojson varies its spacing on purpose).
func (s *session) writeProtoJSON(m proto.Message) error {
	b, err := protojson.Marshal(m)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = out.WriteTo(s.stdout)
	return err
}

// writeJSON prints v, which is not one proto message, as indented JSON.
func (s *session) writeJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = s.stdout.Write(append(b, '\n'))
	return err
}

// table returns a writer aligning tab-separated cells; flush it.
func (s *session) table() *table {
	t := &trimmer{w: s.stdout}
	return &table{Writer: tabwriter.NewWriter(t, 0, 8, 2, ' ', 0), trim: t}
}

// table is a tabwriter whose lines lose the padding at their ends.
type table struct {
	*tabwriter.Writer
	trim *trimmer
}

// Flush aligns and writes what was written since the last Flush.
func (t *table) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	return t.trim.flush()
}

// trimmer passes whole lines on without trailing spaces.
type trimmer struct {
	w   io.Writer
	buf []byte
}

func (t *trimmer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := append(bytes.TrimRight(t.buf[:i], " "), '\n')
		if _, err := t.w.Write(line); err != nil {
			return 0, err
		}
		t.buf = t.buf[i+1:]
	}
}

func (t *trimmer) flush() error {
	if len(t.buf) == 0 {
		return nil
	}
	_, err := t.w.Write(bytes.TrimRight(t.buf, " "))
	t.buf = nil
	return err
}

// notef prints a remark for the person on stderr, leaving stdout to the answer.
func (s *session) notef(format string, args ...any) {
	fmt.Fprintf(s.stderr, "forsokctl: "+format+"\n", args...)
}

// today is the client's calendar day in Europe/Oslo, as UTC midnight.
func (s *session) today() time.Time {
	return dateOf(s.now())
}

// listApplications lists one page, or with all every page joined into one response.
func (s *session) listApplications(ctx context.Context, req *forsokv1.ListApplicationsRequest, all bool) (*forsokv1.ListApplicationsResponse, error) {
	resp := &forsokv1.ListApplicationsResponse{}
	for {
		page, err := s.api.ListApplications(ctx, req)
		if err != nil {
			return nil, err
		}
		resp.Applications = append(resp.Applications, page.GetApplications()...)
		resp.NextPageToken = page.GetNextPageToken()
		if !all || resp.NextPageToken == "" {
			return resp, nil
		}
		req.PageToken = resp.NextPageToken
	}
}

// listEvents lists a case's whole history, every page joined into one response.
func (s *session) listEvents(ctx context.Context, name string) (*forsokv1.ListApplicationEventsResponse, error) {
	req := &forsokv1.ListApplicationEventsRequest{Parent: name, PageSize: 1000}
	resp := &forsokv1.ListApplicationEventsResponse{}
	for {
		page, err := s.api.ListApplicationEvents(ctx, req)
		if err != nil {
			return nil, err
		}
		resp.Events = append(resp.Events, page.GetEvents()...)
		if page.GetNextPageToken() == "" {
			return resp, nil
		}
		req.PageToken = page.GetNextPageToken()
	}
}

// listOpenConsultations lists the open consultations of every case the caller sees,
// earliest due first (the parent "applications/-", AIP-159), every page joined.
func (s *session) listOpenConsultations(ctx context.Context) (*forsokv1.ListConsultationsResponse, error) {
	req := &forsokv1.ListConsultationsRequest{Parent: "applications/-", PageSize: 1000}
	resp := &forsokv1.ListConsultationsResponse{}
	for {
		page, err := s.api.ListConsultations(ctx, req)
		if err != nil {
			return nil, err
		}
		resp.Consultations = append(resp.Consultations, page.GetConsultations()...)
		if page.GetNextPageToken() == "" {
			return resp, nil
		}
		req.PageToken = page.GetNextPageToken()
	}
}
