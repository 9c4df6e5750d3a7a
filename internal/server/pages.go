package server

import (
	"net/http"

	"github.com/forsok/forsok/internal/web"
)

// withPages serves the public pages (internal/web) on their paths and everything else
// (/v1, /openapi.json, health, metrics) through the REST gateway, on one listener.
func withPages(pages *web.Handler, gateway http.Handler) http.Handler {
	mux := http.NewServeMux()
	pages.Mount(mux)
	mux.Handle("/", gateway)
	return mux
}
