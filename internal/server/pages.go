package server

import (
	"context"
	"net/http"

	"github.com/forsok/forsok/internal/trial"
	"github.com/forsok/forsok/internal/web"
	"github.com/forsok/forsok/internal/workflow"
)

// withPages serves the public pages (internal/web) on their paths and everything else
// (/v1, /openapi.json, health, metrics) through the REST gateway, on one listener.
func withPages(pages *web.Handler, gateway http.Handler) http.Handler {
	mux := http.NewServeMux()
	pages.Mount(mux)
	mux.Handle("/", gateway)
	return mux
}

// PublicDocuments is the trial page's document source (web.Documents): the workflow's
// ListDocuments as the anonymous caller, the very read behind the API's
// GET /v1/applications/{id}/documents without a token. What it returns is already
// shaped by trial.PublicDocument and trial.PublicDocumentView, so a document that is
// not offered as public, is screened, is not yet scanned clean or is a ministry's
// statement never reaches a page; there is no second notion of public here.
type PublicDocuments struct {
	Service *workflow.Service
}

var _ web.Documents = PublicDocuments{}

// PublicDocuments lists the case's public documents, each linking to the REST API's
// download path, which serves the bytes through the same read (OpenDocument).
func (p PublicDocuments) PublicDocuments(ctx context.Context, applicationID string) ([]web.Document, error) {
	docs, err := p.Service.ListDocuments(ctx, trial.Actor{Role: trial.RolePublic}, applicationID)
	if err != nil {
		return nil, err
	}
	out := make([]web.Document, 0, len(docs))
	for _, d := range docs {
		out = append(out, web.Document{Title: d.Title, Kind: string(d.Kind), Filename: d.Filename,
			ContentType: d.ContentType, SizeBytes: d.SizeBytes,
			URL: "/v1/" + trial.DocumentName(applicationID, d.ID) + ":download"})
	}
	return out, nil
}
