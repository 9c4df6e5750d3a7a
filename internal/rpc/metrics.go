package rpc

import (
	"net/http"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newServerMetrics returns the request metrics of every gRPC method, REST calls included
// (they reach the service over the gateway's gRPC connection): grpc_server_started_total,
// grpc_server_handled_total by method and code, and the latency histogram
// grpc_server_handling_seconds. They are registered in reg.
func newServerMetrics(reg prometheus.Registerer) *grpcprom.ServerMetrics {
	// The default buckets, 5 ms to 10 s, span a read as well as a write that waits for
	// the writer lock and its fsync.
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	reg.MustRegister(m)
	return m
}

// Registry returns the registry the server's metrics are in and /metrics serves; the
// program adds its own collectors to it.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// metricsHandler serves the registry in the Prometheus exposition format.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.InstrumentMetricHandler(s.registry, promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{
		ErrorLog:      promErrorLog{s},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      s.registry,
	}))
}

// promErrorLog sends promhttp's errors (a collector that failed) to the server's log.
type promErrorLog struct{ s *Server }

func (l promErrorLog) Println(v ...any) { l.s.log.Error("metrics", "err", v) }

// documentMetrics count documents stored and bytes moved: forsok_documents_stored_total
// by kind, and forsok_document_bytes_total by direction (upload, download).
type documentMetrics struct {
	stored *prometheus.CounterVec
	bytes  *prometheus.CounterVec
}

func newDocumentMetrics(reg prometheus.Registerer) documentMetrics {
	m := documentMetrics{
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "forsok_documents_stored_total",
			Help: "Documents stored, by kind."}, []string{"kind"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "forsok_document_bytes_total",
			Help: "Document bytes stored (upload) and sent (download)."}, []string{"direction"}),
	}
	reg.MustRegister(m.stored, m.bytes)
	return m
}
