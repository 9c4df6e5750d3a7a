package web

import (
	"context"
	"net/http"

	"github.com/forsok/forsok/internal/trial"
)

// Document is a public document of a case, as the trial page lists it.
type Document struct {
	Title, Kind, Filename, ContentType string
	SizeBytes                          int64
	// URL downloads the bytes (the REST API's :download).
	URL string
}

// Documents lists a case's public documents as the anonymous caller sees them. The
// records adapter (documents and journal) provides it; without one the trial page has
// no documents section.
type Documents interface {
	PublicDocuments(ctx context.Context, applicationID string) ([]Document, error)
}

// trialData is one trial's page.
type trialData struct {
	App       *trial.Application
	Timeline  []trial.Milestone
	Documents []Document
	// HasDocuments is false when no document source is configured.
	HasDocuments bool
}

func (h *Handler) trial(w http.ResponseWriter, r *http.Request) {
	app, err := h.reads.GetApplication(r.Context(), anonymous, r.PathValue("id"))
	switch {
	case isCode(err, trial.CodeNotFound), isCode(err, trial.CodeInvalidArgument):
		h.notFound(w, r)
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	data := trialData{App: app, Timeline: trial.PublicTimeline(app)}
	if d := h.opts.Documents; d != nil {
		data.HasDocuments = true
		if data.Documents, err = d.PublicDocuments(r.Context(), app.ID); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.renderTitled(w, r, http.StatusOK, "trial", app.Title, data)
}
